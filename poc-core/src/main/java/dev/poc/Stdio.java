package dev.poc;

/**
 * Where a container's standard streams go.
 *
 * <p>{@link #LOG} is the default for a container's stdout and stderr: output never waits for a
 * reader and is never lost. {@link #PIPE} is an explicit choice with a risk: a pipe holds 64 KiB,
 * so a command whose output nobody reads stops at its next write until someone does.
 */
public enum Stdio {
  /**
   * The container's own log, a file under its state root that poc-init writes (capped with one
   * rotation, see {@link ContainerSpec#logMaxBytes()}): read it with {@link Container#logs()},
   * follow it with {@link Container#followOutput}, or as a stream with {@link Container#stdout()}.
   * It outlives the JVM (a detached container logs too) until the container is removed. Output
   * only (stdout and stderr of a container; an exec'd command has no log).
   */
  LOG,
  /**
   * Pipes to the JVM: read them with {@link Container#stdout()} and friends. Read both output
   * pipes (from two threads, or one of them discarded): a full pipe blocks the command.
   */
  PIPE,
  /** The JVM's own streams (a CLI's terminal). */
  INHERIT,
  /** Nowhere: input is empty and output is dropped. */
  DISCARD
}
