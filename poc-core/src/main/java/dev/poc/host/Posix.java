package dev.poc.host;

import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

/** The few syscalls the JVM side needs directly, through jnr-posix. */
public final class Posix {
  private static final POSIX POSIX = POSIXFactory.getNativePOSIX();

  private Posix() {}

  public static POSIX get() {
    return POSIX;
  }

  /** Sends a signal; false when the process no longer exists. */
  public static boolean kill(int pid, int signal) {
    return POSIX.kill(pid, signal) == 0;
  }

  public static boolean isAlive(int pid) {
    return pid > 0 && (POSIX.kill(pid, 0) == 0 || POSIX.errno() == 1 /* EPERM: exists */);
  }

  static int geteuid() {
    return POSIX.geteuid();
  }
}
