package dev.poc.cli;

import dev.poc.Progress;
import java.io.PrintStream;

/**
 * Shows long work on stderr: on a terminal one status line rewritten in place, with the seconds
 * spent; without one, every step on a line of its own (for logs).
 */
final class ProgressLine implements Progress, AutoCloseable {
  private final PrintStream err = System.err;
  private final boolean terminal = Terminal.stderrIsTerminal();
  private final long start = System.nanoTime();
  private final String what;
  private boolean dirty;

  ProgressLine(String what) {
    this.what = what;
  }

  @Override
  public synchronized void step(String line) {
    String step = line.strip();
    String text = "[" + seconds() + "s] " + (step.startsWith(what + ":") ? "" : what + ": ") + step;
    if (terminal) {
      int width = 100;
      err.print("\r\033[K" + (text.length() > width ? text.substring(0, width - 1) + "…" : text));
      dirty = true;
    } else {
      err.println(text);
    }
    err.flush();
  }

  /** A line that stays: printed on a line of its own, before the status line. */
  @Override
  public synchronized void announce(String line) {
    close();
    String step = line.strip();
    err.println((step.startsWith(what + ":") ? "" : what + ": ") + step);
    err.flush();
  }

  long seconds() {
    return (System.nanoTime() - start) / 1_000_000_000;
  }

  /** Ends the status line so the next output starts on a line of its own. */
  @Override
  public synchronized void close() {
    if (dirty) {
      err.print("\r\033[K");
      err.flush();
      dirty = false;
    }
  }
}
