/**
 * Seccomp for poc's containers: profiles in Docker's / the OCI runtime spec's JSON ({@link
 * dev.poc.seccomp.Seccomp}, {@link dev.poc.seccomp.SeccompProfile}, {@link
 * dev.poc.seccomp.SeccompAction}), settled by the container's capabilities, architecture and
 * kernel. The OCI front can hand {@code linux.seccomp} of a config.json to the same parser
 * ({@link dev.poc.seccomp.Seccomp#fromJson(String, String)}).
 *
 * <p>Exported: only these values. The compiler to classic BPF and the syscall tables live in the
 * non-exported {@code dev.poc.seccomp.bpf}; the parser is package-private here.
 */
package dev.poc.seccomp;
