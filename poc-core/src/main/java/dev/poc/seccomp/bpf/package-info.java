/**
 * How a {@link dev.poc.seccomp.Seccomp} becomes the filter poc-init installs: the compiler
 * ({@link dev.poc.seccomp.bpf.SeccompCompiler}) to a verified classic BPF program ({@link
 * dev.poc.seccomp.bpf.BpfProgram}), the ABIs and syscall numbers it compiles for, and {@link
 * dev.poc.seccomp.bpf.SeccompPrograms}, the cache the launch code asks for a container's filter.
 *
 * <p>Not exported (JPMS exports are per package, so this one is not covered by {@code
 * dev.poc.seccomp}'s): a user picks a profile; how it is compiled can change without breaking them.
 */
package dev.poc.seccomp.bpf;
