package dev.poc.image;

import java.io.IOException;
import java.nio.file.Path;
import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.SaveError;

/**
 * The file-system calls a layer needs that Java lacks: device nodes and FIFOs, owners and modes
 * of the entry itself (never a symlink's target), and extended attributes in any namespace
 * ({@code trusted.overlay.opaque}, {@code security.capability}).
 */
final class FileNodes {
  /** The bound functions; public only because jnr-ffi generates an implementation of it. */
  public interface Functions {
    @SaveError
    int mknod(String path, int mode, long dev);

    @SaveError
    int lchown(String path, int uid, int gid);

    @SaveError
    int chmod(String path, int mode);

    @SaveError
    int lsetxattr(String path, String name, byte[] value, long size, int flags);

    @SaveError
    long lgetxattr(String path, String name, byte[] value, long size);

    @SaveError
    int utimensat(int dirfd, String path, long[] times, int flags);

    String strerror(int errno);
  }

  static final int S_IFIFO = 0010000;
  static final int S_IFCHR = 0020000;
  static final int S_IFBLK = 0060000;
  static final int ENOTSUP = 95;
  private static final int AT_FDCWD = -100;
  private static final int AT_SYMLINK_NOFOLLOW = 0x100;

  private static final Functions LIBC = LibraryLoader.create(Functions.class).load("c");

  private FileNodes() {}

  static void mknod(Path path, int type, int mode, int major, int minor) throws IOException {
    long dev = ((long) (major & 0xfffff000) << 32) | ((major & 0xfffL) << 8)
        | ((long) (minor & 0xffffff00) << 12) | (minor & 0xffL);
    check(LIBC.mknod(path.toString(), type | (mode & 07777), dev), "mknod", path);
  }

  static void lchown(Path path, int uid, int gid) throws IOException {
    check(LIBC.lchown(path.toString(), uid, gid), "lchown", path);
  }

  static void chmod(Path path, int mode) throws IOException {
    check(LIBC.chmod(path.toString(), mode & 07777), "chmod", path);
  }

  /**
   * Sets the access and modification times of the entry itself. Java's way opens the file, which
   * blocks on a FIFO and would open a device: utimensat touches only the inode.
   */
  static void setTimes(Path path, long epochSeconds) throws IOException {
    long[] times = {epochSeconds, 0, epochSeconds, 0}; // two struct timespec
    check(LIBC.utimensat(AT_FDCWD, path.toString(), times, AT_SYMLINK_NOFOLLOW), "utimensat", path);
  }

  /** Sets xattr {@code name}; false when the file system does not support that namespace. */
  static boolean setXattr(Path path, String name, byte[] value) throws IOException {
    if (LIBC.lsetxattr(path.toString(), name, value, value.length, 0) == 0) {
      return true;
    }
    int errno = errno();
    if (errno == ENOTSUP) {
      return false;
    }
    throw new IOException("setting extended attribute " + name + " on " + path + ": " + LIBC.strerror(errno) + " (errno " + errno + ")");
  }

  /** The value of xattr {@code name}, or null when unset. */
  static byte[] getXattr(Path path, String name) {
    byte[] buf = new byte[4096];
    long n = LIBC.lgetxattr(path.toString(), name, buf, buf.length);
    return n < 0 ? null : java.util.Arrays.copyOf(buf, (int) n);
  }

  private static void check(int rc, String call, Path path) throws IOException {
    if (rc != 0) {
      int errno = errno();
      throw new IOException(call + " " + path + ": " + LIBC.strerror(errno) + " (errno " + errno + ")");
    }
  }

  private static int errno() {
    return jnr.ffi.Runtime.getRuntime(LIBC).getLastError();
  }
}
