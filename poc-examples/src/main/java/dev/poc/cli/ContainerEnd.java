package dev.poc.cli;

import dev.poc.Container;
import dev.poc.ExitStatus;
import java.util.OptionalLong;

/** The end of {@code poc run} in the foreground: the command's status, and one line when the OOM killer struck. */
final class ContainerEnd {
  private ContainerEnd() {}

  /** Waits for {@code c} and returns its exit status, after saying so when it was OOM-killed. */
  static int await(Container c) throws InterruptedException {
    return await(c, System.err);
  }

  /** {@link #await(Container)}, saying it on {@code err}. */
  static int await(Container c, java.io.PrintStream err) throws InterruptedException {
    int code = c.waitFor();
    if (c.exitStatus().reason() == ExitStatus.Reason.OOM_KILLED) {
      err.println("poc: " + oomMessage(c));
    }
    return code;
  }

  static String oomMessage(Container c) {
    OptionalLong limit = c.spec().resources().memoryBytes();
    String what = "container '" + c.name() + "' was killed by the OOM killer (exit " + c.exitCode() + "): ";
    if (limit.isEmpty()) {
      return what + "the host ran out of memory; free some, or give others a --memory limit";
    }
    return what + "it needed more than its memory limit of " + Words.size(limit.getAsLong())
        + "; give it more, e.g. --memory " + Words.size(2 * limit.getAsLong());
  }
}
