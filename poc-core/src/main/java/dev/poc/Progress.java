package dev.poc;

import java.io.PrintStream;

/**
 * Hears about the steps of a long operation (building an image, bootstrapping Debian), one line
 * of text per step, e.g. to print them. Called on the thread that runs the operation.
 */
@FunctionalInterface
public interface Progress {

  /** One step or one line of a tool's output. */
  void step(String line);

  /**
   * What the operation is about to do and where from (what it downloads, from which server), said
   * once before it starts: a listener should keep it in sight, not overwrite it with later steps.
   */
  default void announce(String line) {
    step(line);
  }

  /** A listener that ignores everything. */
  static Progress none() {
    return line -> {};
  }

  /** A listener that prints each line to {@code out}. */
  static Progress printingTo(PrintStream out) {
    return out::println;
  }
}
