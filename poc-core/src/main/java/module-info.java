/**
 * poc: an embeddable container runtime for the JVM.
 *
 * <p>Users see four packages: {@code dev.poc}, the API (containers, specs, the runtime, errors),
 * {@code dev.poc.spi}, the interfaces a strategy implements, and {@code dev.poc.seccomp}, seccomp
 * profiles (a spec's {@code seccomp(...)}), which an OCI front reuses, and {@code dev.poc.image},
 * images pulled from registries by name (references, settings, the store). Every other package (launch,
 * namespace, cgroup, network, storage, state, host, internal, and seccomp.bpf, the profile
 * compiler) is how the default strategies work and is not exported: its public classes are public only so the packages can reach each other.
 */
module dev.poc {
  exports dev.poc;
  exports dev.poc.spi;
  exports dev.poc.seccomp;
  exports dev.poc.image;

  requires aircompressor;
  requires com.fasterxml.jackson.databind;
  requires java.net.http;
  requires com.google.common;
  requires org.jnrproject.constants;
  requires org.jnrproject.ffi;
  requires org.jnrproject.posix;
  requires org.jnrproject.unixsocket;
  requires org.slf4j;
  // Immutables generates code at compile time and marks it with @Generated and Error Prone's
  // annotations when they are visible; none of them is needed at run time.
  requires static org.immutables.value;
  requires static java.compiler;
  requires static com.google.errorprone.annotations;
}
