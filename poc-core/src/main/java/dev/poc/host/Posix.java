package dev.poc.host;

/** The few process calls the JVM side needs directly, over {@link LibC}. */
public final class Posix {
  private static final int EPERM = 1;

  private Posix() {}

  /** Sends a signal; false when the process no longer exists. */
  public static boolean kill(int pid, int signal) {
    return LibC.get().kill(pid, signal) == 0;
  }

  public static boolean isAlive(int pid) {
    return pid > 0 && (LibC.get().kill(pid, 0) == 0 || Errno.last() == EPERM /* exists */);
  }

  /** Closes a file descriptor this process opened outside Java's streams. */
  public static void close(int fd) {
    LibC.get().close(fd);
  }

  /** Sets the mode of {@code path}, set-id and sticky bits included (which java.nio cannot). */
  public static void chmod(String path, int mode) throws java.io.IOException {
    if (LibC.get().chmod(path, mode) != 0) {
      throw new java.io.IOException("chmod " + Integer.toOctalString(mode) + " " + path + ": " + Errno.describe(Errno.last()));
    }
  }

  /** Whether {@code fd} (0, 1, 2) is a terminal. */
  public static boolean isatty(int fd) {
    return LibC.get().isatty(fd) == 1;
  }

  /** This process's effective uid: 0 runs poc rootful, any other rootless. */
  public static int geteuid() {
    return LibC.get().geteuid();
  }

  /** This process's effective gid. */
  public static int getegid() {
    return LibC.get().getegid();
  }
}
