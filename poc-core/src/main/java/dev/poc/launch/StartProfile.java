package dev.poc.launch;

import java.util.function.Consumer;

/**
 * Where a start's milliseconds go, for poc-bench's profile (scenario 12): the instants
 * ({@link System#nanoTime()}, i.e. CLOCK_MONOTONIC) at which a container passed each step, on
 * the JVM's side and, reported by poc-init in one TIMES line before the exit, inside the init.
 * Nothing is recorded unless a listener is installed: a start then pays one volatile read per
 * step. Not an API (the package is not exported); the benchmark reaches it on the class path.
 */
public final class StartProfile {
  /** The init's steps, in the order of its TIMES line's fields. */
  static final String[] INIT_STEPS = {"init entered", "init root built", "init cgroups joined", "init GO read",
      "init command forked", "init exec seen", "init command reaped"};

  /** One step of one container: its name, the step, the instant. */
  public record Mark(String container, String step, long nanos) {}

  private static volatile Consumer<Mark> listener;

  private StartProfile() {}

  /** Sends every later start's steps to {@code l}; null stops recording. */
  public static void listen(Consumer<Mark> l) {
    listener = l;
  }

  static boolean on() {
    return listener != null;
  }

  /** Records that {@code container} has just passed {@code step}, when a listener is installed. */
  public static void mark(String container, String step) {
    Consumer<Mark> l = listener;
    if (l != null) {
      l.accept(new Mark(container, step, System.nanoTime()));
    }
  }

  /** The init's TIMES line: one mark per field, at the instant the init read its clock. */
  static void initTimes(String container, String line) {
    Consumer<Mark> l = listener;
    if (l == null) {
      return;
    }
    String[] f = line.split(" ");
    for (int i = 1; i < f.length && i <= INIT_STEPS.length; i++) {
      l.accept(new Mark(container, INIT_STEPS[i - 1], Long.parseLong(f[i])));
    }
  }
}
