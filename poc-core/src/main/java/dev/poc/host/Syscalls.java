package dev.poc.host;

import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;

/**
 * Calls that must report errno instead of throwing (jnr-posix's handler throws), and the pidfd
 * calls that neither jnr-posix nor older glibc wrap.
 */
public final class Syscalls {
  public static final int ENOENT = 2;
  static final int ESRCH = 3;
  public static final int EBUSY = 16;
  public static final int ENOSYS = 38;
  private static final long SYS_PIDFD_SEND_SIGNAL = 424; // the same number on every architecture
  private static final long SYS_PIDFD_OPEN = 434;
  private static final long SYS_BPF = System.getProperty("os.arch").equals("amd64") ? 321 : 280; // x86_64; else the generic table

  /** The libc entry points, bound by jnr-ffi. */
  public interface LibC {
    public int rmdir(String path);

    long syscall(long number, long a1, long a2, long a3, long a4);
  }

  private static final LibC LIBC = LibraryLoader.create(LibC.class).option(LibraryOption.SaveError, true).load("c");
  private static final jnr.ffi.Runtime FFI = jnr.ffi.Runtime.getRuntime(LIBC);

  private Syscalls() {}

  /** rmdir; 0 or the errno. */
  public static int rmdir(String path) {
    return LIBC.rmdir(path) == 0 ? 0 : errno();
  }

  /** A pidfd for {@code pid}, or minus the errno. */
  public static int pidfdOpen(int pid) {
    long fd = LIBC.syscall(SYS_PIDFD_OPEN, pid, 0, 0, 0);
    return fd >= 0 ? (int) fd : -errno();
  }

  /** Sends {@code signal} through a pidfd; 0 or the errno. */
  public static int pidfdSendSignal(int pidfd, int signal) {
    return LIBC.syscall(SYS_PIDFD_SEND_SIGNAL, pidfd, signal, 0, 0) == 0 ? 0 : errno();
  }

  /** bpf(2) with an attribute block of {@code size} bytes; the result, or minus the errno. */
  public static long bpf(int cmd, jnr.ffi.Pointer attr, int size) {
    long r = LIBC.syscall(SYS_BPF, cmd, attr.address(), size, 0);
    return r >= 0 ? r : -errno();
  }

  private static int errno() {
    return LastError.getLastError(FFI);
  }
}
