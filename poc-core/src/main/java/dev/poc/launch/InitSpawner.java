package dev.poc.launch;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Starts poc-init for {@link Launcher#create} in another process than this JVM: the OCI create
 * server's, whose caller (poc-oci's native front) must be the helper's parent, so that the
 * container's init inherits the caller's stdio and is adopted by the caller's subreaper (the
 * engine's shim) when the helper leaves, as when the JVM runs in the caller's own process.
 */
@FunctionalInterface
public interface InitSpawner {
  /**
   * Has poc-init started as {@code binary socket}, its stdio the caller's, and returns its pid. The
   * helper then connects to {@code socket}; this JVM drives it as one it spawned itself, except that
   * the caller reaps it. {@code image}, when present, is this JVM's sealed copy of poc-init
   * ({@code /proc/PID/fd/N}), for the helper's POC_INIT_IMAGE: it runs from it rather than making a
   * copy of its own (and only if it is sealed).
   *
   * @throws IOException when the caller could not start it (the create fails, nothing to undo there)
   */
  int spawn(Path binary, Path socket, java.util.Optional<String> image) throws IOException;
}
