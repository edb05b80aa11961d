package dev.poc.junit;

import dev.poc.Check;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * Turns a host that cannot run a test's container (no root, no iptables for a bridged one) into
 * one line, the check's own, instead of a stack trace from deep inside a start: a skip on a
 * developer's machine, a failure where the environment promises every tool ({@code CI} set, as
 * {@code ./run-tests} sets it). Thrown from a class's {@link Managed} static fields, it skips or
 * fails the whole class.
 */
final class HostReadiness {
  private HostReadiness() {}

  static void require(List<Check> checks, String what) {
    require(checks, what, System.getenv("CI") != null);
  }

  /** {@code strict}: fail rather than skip. */
  static void require(List<Check> checks, String what, boolean strict) {
    for (Check c : checks) {
      if (!c.ok()) {
        String line = what + " cannot run here: " + c.line();
        if (strict) {
          throw new HostNotReady(line);
        }
        Assumptions.abort(line);
      }
    }
  }

  /** A failure that is its message: the stack would only show the harness. */
  static final class HostNotReady extends AssertionError {
    HostNotReady(String message) {
      super(message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }
}
