package dev.poc.junit;

import java.time.Duration;

/** Asks a condition every 50 ms until it holds, the container ends, or the timeout passes. */
final class PollingWait implements WaitStrategy {
  private static final long POLL_MS = 50;
  private static final int LAST_LINES = 20;

  /** The readiness question; may throw while the container is still coming up. */
  interface Condition {
    boolean holds(PocContainer c) throws Exception;
  }

  private final Duration timeout;
  private final String what;
  private final Condition condition;

  PollingWait(Duration timeout, String what, Condition condition) {
    this.timeout = timeout;
    this.what = what;
    this.condition = condition;
  }

  @Override
  public WaitStrategy withTimeout(Duration timeout) {
    return new PollingWait(timeout, what, condition);
  }

  @Override
  public void waitUntilReady(PocContainer c) {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    Exception last = null;
    while (true) {
      try {
        if (condition.holds(c)) {
          return;
        }
      } catch (Exception e) {
        last = e;
      }
      if (!c.isRunning()) {
        throw new ContainerNotReadyException("container '" + c.name() + "' ended (" + c.exitDescription()
            + ") while waiting for " + what + output(c));
      }
      if (System.nanoTime() > deadline) {
        throw new ContainerNotReadyException("container '" + c.name() + "' was not ready within "
            + timeout.toMillis() + " ms: waited for " + what + (last != null ? " (last error: " + last + ")" : "")
            + output(c));
      }
      try {
        Thread.sleep(POLL_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ContainerNotReadyException("interrupted while waiting for " + what + " in '" + c.name() + "'");
      }
    }
  }

  private static String output(PocContainer c) {
    var lines = c.logLines();
    if (lines.isEmpty()) {
      return "; it printed nothing";
    }
    var tail = lines.subList(Math.max(0, lines.size() - LAST_LINES), lines.size());
    return "; its last " + tail.size() + " lines of output:\n  " + String.join("\n  ", tail);
  }

  @Override
  public String toString() {
    return "wait for " + what + " (" + timeout.toMillis() + " ms)";
  }
}
