package dev.poc.launch;

import dev.poc.host.Posix;
import dev.poc.host.Syscalls;
import dev.poc.state.RunState;

/**
 * A process that poc signals (a container's init, an exec'd command) held by a pidfd from a moment
 * it was surely alive until its release, so a signal can never reach a process that reused its
 * pid. Kernels without pidfds (before 5.3) fall back to the pid.
 */
public final class PidHandle implements AutoCloseable {
  private final int pid;
  private int fd;
  private boolean released;

  private PidHandle(int pid, int fd) {
    this.pid = pid;
    this.fd = fd;
  }

  /** A handle on {@code pid}, which the caller knows to be alive (it cannot have been reaped). */
  static PidHandle of(int pid) {
    return new PidHandle(pid, Syscalls.pidfdOpen(pid));
  }

  /**
   * A handle on {@code pid} if it is still the process that started at {@code startTime} (from
   * another process's record: the pidfd pins it, then the start time proves it is the same one).
   */
  public static java.util.Optional<PidHandle> ifStartedAt(int pid, long startTime) {
    if (RunState.startTime(pid) != startTime) {
      return java.util.Optional.empty();
    }
    PidHandle h = of(pid);
    if (RunState.startTime(pid) != startTime) {
      h.close();
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(h);
  }

  /**
   * A handle on {@code pid} if it is still a child of {@code parent}, which reaps it: a pidfd
   * opened on a pid its parent no longer holds could name another process. A child already gone
   * gives a handle that signals nothing.
   */
  static PidHandle ofChild(int pid, long parent) {
    PidHandle h = of(pid);
    if (RunState.parentPid(pid) != parent) {
      h.close();
    }
    return h;
  }

  public int pid() {
    return pid;
  }

  /** Sends {@code signal}, unless the process has been released. */
  public synchronized void signal(int signal) {
    if (released) {
      return;
    }
    if (fd >= 0) {
      Syscalls.pidfdSendSignal(fd, signal);
    } else {
      Posix.kill(pid, signal);
    }
  }

  /** From now on the pid may belong to another process: signal nothing more. */
  @Override
  public synchronized void close() {
    if (fd >= 0) {
      Posix.close(fd);
      fd = -1;
    }
    released = true;
  }
}
