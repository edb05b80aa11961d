package dev.poc.state;

import dev.poc.host.Directories;
import dev.poc.host.Flock;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A host-wide lock on a container name, held while the container is running in this JVM. Names
 * are host-wide because cgroups, interfaces and network namespaces are: two state roots must not
 * run the same name. The kernel drops the lock when the JVM dies, which is how a crash is detected.
 * The lock file is deleted on release (see {@link Flock}), so names that come and go leave nothing.
 */
public final class NameLock implements AutoCloseable {
  public static final Path DIR = dev.poc.host.HostDirs.hostState().resolve("names");
  private final Flock flock;

  private NameLock(Flock flock) {
    this.flock = flock;
  }

  /**
   * The lock, or empty when another holder (this JVM or another) has it. An ended container of
   * this JVM whose host side is still being released holds its name until that is done: that
   * release is finished here first, in this thread (see {@link RunDirDisposal}).
   */
  public static Optional<NameLock> tryAcquire(String name) throws IOException {
    RunDirDisposal.settle(name);
    Directories.ensure(DIR);
    return Flock.tryLock(file(name)).map(NameLock::new);
  }

  /** The lock file of {@code name}. */
  public static Path file(String name) {
    return DIR.resolve(name + ".lock");
  }

  /** The lock's descriptor, for a helper to share the lock (see {@link #handOver()}). */
  public int fd() {
    return flock.fd();
  }

  /**
   * Lets go of this process's hold but keeps the file, because another process shares the lock
   * (a handed-off container init holds its name for as long as it lives).
   */
  public void handOver() {
    flock.close();
  }

  @Override
  public void close() {
    try {
      flock.deleteFile();
    } catch (IOException e) {
      // left for the next holder of the name, who reuses it
    } finally {
      flock.close();
    }
  }
}
