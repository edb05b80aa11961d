package dev.poc.host;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.SaveError;

/**
 * The libc calls jnr-posix lacks: mount, umount2 and ioctl with a struct (loop devices). Each call
 * saves errno, read back with {@link #errno()}.
 */
public final class LibC {
  /** The bound functions; public only because jnr-ffi generates an implementation of it. */
  public interface Functions {
    @SaveError
    int open(String path, int flags);

    @SaveError
    int close(int fd);

    @SaveError
    int ioctl(int fd, long request, long arg);

    @SaveError
    int ioctl(int fd, long request, Pointer arg);

    @SaveError
    int mount(String source, String target, String type, long flags, String data);

    @SaveError
    int umount2(String target, int flags);
  }

  public static final int O_RDWR = 02;
  static final int O_CREAT = 0100;
  public static final int O_CLOEXEC = 02000000;
  public static final long MS_NOSUID = 2;
  public static final long MS_NODEV = 4;
  static final int MNT_DETACH = 2;
  public static final int EBUSY = 16;
  public static final int EINVAL = 22;
  static final int ENOENT = 2;

  private static final Functions LIBC = LibraryLoader.create(Functions.class).load("c");

  private LibC() {}

  public static Functions get() {
    return LIBC;
  }

  public static jnr.ffi.Runtime runtime() {
    return jnr.ffi.Runtime.getRuntime(LIBC);
  }

  /** errno of the last call on this thread. */
  public static int errno() {
    return runtime().getLastError();
  }

  /** "text (errno n)" for an errno value, for error messages. */
  public static String describe(int errno) {
    return Posix.get().strerror(errno) + " (errno " + errno + ")";
  }
}
