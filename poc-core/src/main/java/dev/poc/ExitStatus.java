package dev.poc;

import org.immutables.value.Value;

/** How a container's command ended. */
@Value.Immutable
public abstract class ExitStatus {
  /** Why the command ended. */
  public enum Reason {
    /** It exited by itself with {@link #code()}. */
    EXITED,
    /** A signal ended it; {@link #code()} is 128 + the signal. */
    SIGNALED,
    /** The kernel's OOM killer ended it (its cgroup's own counter says so); code 137. */
    OOM_KILLED
  }

  /** The shell's view: the exit code, or 128 + n when signal n ended it. */
  @Value.Parameter
  public abstract int code();

  /** Why it ended. */
  @Value.Parameter
  public abstract Reason reason();

  /** The signal that ended it, or 0. */
  public int signal() {
    return reason() == Reason.EXITED ? 0 : code() - 128;
  }

  public static ExitStatus exited(int code) {
    return ImmutableExitStatus.of(code, Reason.EXITED);
  }

  public static ExitStatus signaled(int signal) {
    return ImmutableExitStatus.of(128 + signal, Reason.SIGNALED);
  }

  public ExitStatus asOomKill() {
    return ImmutableExitStatus.of(code(), Reason.OOM_KILLED);
  }

  @Override
  public String toString() {
    return switch (reason()) {
      case EXITED -> "exited with code " + code();
      case SIGNALED -> "killed by signal " + signal() + " (code " + code() + ")";
      case OOM_KILLED -> "killed by the OOM killer (code " + code() + ")";
    };
  }
}
