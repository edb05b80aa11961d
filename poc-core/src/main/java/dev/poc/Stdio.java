package dev.poc;

/** Where a container's standard streams go. */
public enum Stdio {
  /** Pipes to the JVM: read them with {@link Container#stdout()} and friends. */
  PIPE,
  /** The JVM's own streams (a CLI's terminal). */
  INHERIT,
  /** Nowhere: input is empty and output is dropped. */
  DISCARD
}
