package dev.poc.host;

/**
 * errno: the values poc tests for, the last one of this thread's libc call, and its text for error
 * messages. The one errno helper: {@link LibC}, {@link Syscalls} and {@link Posix} callers all use it.
 */
public final class Errno {
  public static final int ENOENT = 2;
  public static final int ESRCH = 3;
  public static final int EINTR = 4;
  public static final int EWOULDBLOCK = 11;
  public static final int EBUSY = 16;
  public static final int EEXIST = 17;
  public static final int ENODEV = 19;
  public static final int EINVAL = 22;
  public static final int ENOSYS = 38;

  private Errno() {}

  /** errno of this thread's last call through {@link LibC#get()}. */
  public static int last() {
    return jnr.ffi.LastError.getLastError(LibC.runtime());
  }

  /** "text (errno n)", e.g. "File exists (errno 17)", for error messages. */
  public static String describe(int errno) {
    jnr.constants.platform.Errno e = jnr.constants.platform.Errno.valueOf(errno);
    String text = e == null || e.description() == null ? LibC.get().strerror(errno) : e.description();
    return text + " (errno " + errno + ")";
  }
}
