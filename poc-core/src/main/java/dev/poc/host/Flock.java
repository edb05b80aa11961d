package dev.poc.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * An exclusive flock(2) on a file. Unlike {@link java.nio.channels.FileLock} (fcntl, one owner
 * per process), a flock belongs to one open file, so two threads of one JVM exclude each other
 * exactly as two JVMs do. The file may be deleted while locked: a locker that got the old inode
 * notices that the path now names another file (or none) and tries again.
 */
public final class Flock implements AutoCloseable {
  private static final int LOCK_EX = 2;
  private static final int LOCK_NB = 4;

  private final Path file;
  private int fd;

  private Flock(Path file, int fd) {
    this.file = file;
    this.fd = fd;
  }

  /** Waits until the lock on {@code file} (created when missing) is this caller's. */
  public static Flock lock(Path file) throws IOException {
    return acquire(file, false).orElseThrow();
  }

  /** The lock on {@code file} (created when missing), or empty when another holder has it. */
  public static Optional<Flock> tryLock(Path file) throws IOException {
    return acquire(file, true);
  }

  private static Optional<Flock> acquire(Path file, boolean nonBlocking) throws IOException {
    LibC.Functions libc = LibC.get();
    for (;;) {
      int fd = libc.open(file.toString(), LibC.O_RDWR | LibC.O_CREAT | LibC.O_CLOEXEC, 0600);
      if (fd < 0) {
        int errno = Errno.last();
        throw errno == Errno.ENOENT
            ? new NoSuchFileException(file.toString(), null, "its directory is gone")
            : new IOException("opening lock file " + file + ": " + Errno.describe(errno));
      }
      int rc;
      do {
        rc = libc.flock(fd, LOCK_EX | (nonBlocking ? LOCK_NB : 0));
      } while (rc != 0 && Errno.last() == Errno.EINTR);
      if (rc != 0) {
        int errno = Errno.last();
        libc.close(fd);
        if (errno == Errno.EWOULDBLOCK) {
          return Optional.empty();
        }
        throw new IOException("locking " + file + ": " + Errno.describe(errno));
      }
      if (stillNamedBy(fd, file)) {
        return Optional.of(new Flock(file, fd));
      }
      libc.close(fd); // the holder before us deleted the file: lock the one the path names now
    }
  }

  /** Whether {@code file} still names the file open as {@code fd} (same device and inode). */
  private static boolean stillNamedBy(int fd, Path file) throws IOException {
    // /proc/self/fd/N leads to the open file itself, even when its name is gone: an fstat in Java
    Map<String, Object> open = Files.readAttributes(Path.of("/proc/self/fd/" + fd), "unix:dev,ino");
    try {
      Map<String, Object> named = Files.readAttributes(file, "unix:dev,ino", LinkOption.NOFOLLOW_LINKS);
      return named.get("ino").equals(open.get("ino")) && named.get("dev").equals(open.get("dev"));
    } catch (NoSuchFileException e) {
      return false;
    }
  }

  /** Deletes the lock file while still holding it, so that waiting lockers start over. */
  public void deleteFile() throws IOException {
    Files.deleteIfExists(file);
  }

  /** The locked descriptor: another process that duplicates it (pidfd_getfd) shares the lock. */
  public int fd() {
    return fd;
  }

  @Override
  public void close() {
    if (fd >= 0) {
      LibC.get().close(fd); // closing the only descriptor drops the lock
      fd = -1;
    }
  }
}
