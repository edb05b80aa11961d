package dev.poc;

import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.immutables.value.Value;

/**
 * Resource limits, as {@code docker run --memory/--cpus/--cpu-shares/--pids-limit} gives them.
 * An absent limit means none: the container still gets its own cgroup {@code poc/NAME}.
 */
@Value.Immutable
public abstract class Resources {
  /** Memory limit in bytes (swap is not added on top). */
  public abstract OptionalLong memoryBytes();

  /** CPU limit in cores, e.g. 1.5. */
  public abstract OptionalDouble cpus();

  /** Relative CPU weight in cpu.shares units (2..262144, default 1024). */
  public abstract OptionalLong cpuShares();

  /** Maximum number of processes and threads. */
  public abstract OptionalLong pids();

  /** No limits. */
  public static Resources none() {
    return ImmutableResources.builder().build();
  }

  /** A builder of limits. */
  public static ImmutableResources.Builder builder() {
    return ImmutableResources.builder();
  }

  /** Whether any limit is set. */
  public boolean isEmpty() {
    return memoryBytes().isEmpty() && cpus().isEmpty() && cpuShares().isEmpty() && pids().isEmpty();
  }
}
