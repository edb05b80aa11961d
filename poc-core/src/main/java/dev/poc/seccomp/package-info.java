/**
 * Seccomp for poc's containers: profiles in Docker's / the OCI runtime spec's JSON ({@link
 * dev.poc.seccomp.Seccomp}, {@link dev.poc.seccomp.SeccompProfile}), settled by the container's
 * capabilities, architecture and kernel, and compiled to a verified classic BPF program ({@link
 * dev.poc.seccomp.SeccompCompiler}, {@link dev.poc.seccomp.BpfProgram}) that poc-init installs as
 * it is. The OCI front can hand {@code linux.seccomp} of a config.json to the same parser.
 */
package dev.poc.seccomp;
