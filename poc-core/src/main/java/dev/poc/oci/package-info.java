/**
 * poc as an OCI runtime ({@code ./poc-oci}): the runtime-spec command line that containerd's shim,
 * Docker and podman call (create, start, state, kill, delete, run, list, features), a bundle's
 * {@code config.json} read into a {@link dev.poc.ContainerSpec}, and the state kept under
 * {@code --root}. Internal: the command line is the interface.
 */
package dev.poc.oci;
