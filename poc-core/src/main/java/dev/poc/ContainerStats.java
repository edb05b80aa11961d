package dev.poc;

import java.time.Duration;
import org.immutables.value.Value;

/**
 * A container's resource figures, as {@code docker stats} shows them, read from its cgroup. While
 * the container runs they are current; after it ended they are the last figures read before its
 * cgroup was removed: no pids, the peak and CPU time kept, and memory only what the kernel still
 * charged to the group (page cache).
 */
@Value.Immutable
public abstract class ContainerStats {
  /** Memory charged to the container now, page cache included, in bytes. */
  @Value.Default
  public long memoryBytes() {
    return 0;
  }

  /** The most memory it was ever charged, in bytes. */
  @Value.Default
  public long memoryPeakBytes() {
    return 0;
  }

  /** CPU time its processes have used, user and system together. */
  @Value.Default
  public Duration cpuTime() {
    return Duration.ZERO;
  }

  /** Processes and threads in it now, its init included (docker stats's PIDS). */
  @Value.Default
  public long pids() {
    return 0;
  }

  /** Whether the kernel's OOM killer has ended any of its processes. */
  @Value.Default
  public boolean oomKilled() {
    return false;
  }

  /** How many CFS periods its CPU limit held it back in. */
  @Value.Default
  public long throttledPeriods() {
    return 0;
  }

  /** How long its CPU limit held it back, in total. */
  @Value.Default
  public Duration throttledTime() {
    return Duration.ZERO;
  }

  /** A builder, for the cgroup code that reads a group's counters. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link ContainerStats} values; the setters are generated. */
  public static class Builder extends ImmutableContainerStats.Builder {}
}
