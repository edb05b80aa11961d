package dev.poc.host;

/**
 * Calls that report errno instead of throwing, over {@link LibC}: rmdir, and the pidfd and bpf
 * syscalls that neither jnr-posix nor older glibc wrap.
 */
public final class Syscalls {
  private static final long SYS_PIDFD_SEND_SIGNAL = 424; // the same number on every architecture
  private static final long SYS_PIDFD_OPEN = 434;
  private static final long SYS_BPF = System.getProperty("os.arch").equals("amd64") ? 321 : 280; // x86_64; else the generic table

  private Syscalls() {}

  /** rmdir; 0 or the errno. */
  public static int rmdir(String path) {
    return LibC.get().rmdir(path) == 0 ? 0 : Errno.last();
  }

  /** A pidfd for {@code pid}, or minus the errno. */
  public static int pidfdOpen(int pid) {
    long fd = LibC.get().syscall(SYS_PIDFD_OPEN, pid, 0, 0, 0);
    return fd >= 0 ? (int) fd : -Errno.last();
  }

  /** Sends {@code signal} through a pidfd; 0 or the errno. */
  public static int pidfdSendSignal(int pidfd, int signal) {
    return LibC.get().syscall(SYS_PIDFD_SEND_SIGNAL, pidfd, signal, 0, 0) == 0 ? 0 : Errno.last();
  }

  /** bpf(2) with an attribute block of {@code size} bytes; the result, or minus the errno. */
  public static long bpf(int cmd, jnr.ffi.Pointer attr, int size) {
    long r = LibC.get().syscall(SYS_BPF, cmd, attr.address(), size, 0);
    return r >= 0 ? r : -Errno.last();
  }
}
