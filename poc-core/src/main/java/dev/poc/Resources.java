package dev.poc;

import dev.poc.internal.Sizes;
import java.math.BigDecimal;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.immutables.value.Value;

/**
 * Resource limits, as {@code docker run --memory/--cpus/--cpu-shares/--pids-limit} gives them.
 * An absent limit means none (the container still gets its own cgroup {@code poc/NAME}), but for
 * processes: unless told otherwise, a container may have at most {@link #DEFAULT_PIDS}, so a fork
 * bomb in a test container cannot take the machine down (podman's choice; Docker sets none). Ask for
 * {@link Builder#unlimitedPids()} to lift it.
 */
@Value.Immutable
public abstract class Resources {
  /** Memory limit in bytes (swap is not added on top). */
  public abstract OptionalLong memoryBytes();

  /** CPU limit in cores, e.g. 1.5. */
  public abstract OptionalDouble cpus();

  /** Relative CPU weight in cpu.shares units (2..262144, default 1024). */
  public abstract OptionalLong cpuShares();

  /** The processes and threads a container may have when its spec names no limit. */
  public static final long DEFAULT_PIDS = 2048;

  /** Maximum number of processes and threads, as asked for; see {@link #effectivePids()}. */
  public abstract OptionalLong pids();

  /** Whether the default pids limit is lifted: no limit on processes at all. */
  @Value.Default
  public boolean pidsUnlimited() {
    return false;
  }

  /** The pids limit that applies: the one asked for, none when unlimited, else {@link #DEFAULT_PIDS}. */
  public OptionalLong effectivePids() {
    if (pidsUnlimited()) {
      return OptionalLong.empty();
    }
    return pids().isPresent() ? pids() : OptionalLong.of(DEFAULT_PIDS);
  }

  /** No limits asked for: only the default pids limit applies. */
  public static Resources none() {
    return builder().build();
  }

  /** A builder of limits. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link Resources}; a limit left unset is no limit (pids: the default). */
  public static class Builder extends ImmutableResources.Builder {
    Builder() {}

    /** No limit on processes, not even the default one. */
    public Builder unlimitedPids() {
      pidsUnlimited(true);
      return this;
    }
  }

  /** The smallest CPU limit: a 1 ms quota per 100 ms period, the kernel's minimum. */
  static final double MIN_CPUS = 0.01;
  static final long MIN_CPU_SHARES = 2;
  static final long MAX_CPU_SHARES = 262_144;

  @Value.Check
  void check() {
    if (memoryBytes().isPresent()) {
      long bytes = memoryBytes().getAsLong();
      if (bytes < Sizes.MIN_MEMORY) {
        throw new InvalidSpecException("memory limit " + bytes + " bytes is "
            + (bytes <= 0 ? "not positive" : "below 4M, too little for any process to start") + ": ask for at least 4M");
      }
    }
    if (cpus().isPresent()) {
      checkCpus(cpus().getAsDouble(), Runtime.getRuntime().availableProcessors());
    }
    if (cpuShares().isPresent()) {
      long shares = cpuShares().getAsLong();
      if (shares < MIN_CPU_SHARES || shares > MAX_CPU_SHARES) {
        throw new InvalidSpecException("cpu shares " + shares + " is out of range: use " + MIN_CPU_SHARES + ".."
            + MAX_CPU_SHARES + " (1024 is the default weight)");
      }
    }
    if (pids().isPresent() && pidsUnlimited()) {
      throw new InvalidSpecException("pids limit " + pids().getAsLong() + " and unlimited pids both asked for: choose one");
    }
    if (pids().isPresent()) {
      long max = pids().getAsLong();
      if (max <= 0) {
        throw new InvalidSpecException("pids limit " + max + " is not positive: ask for e.g. 100");
      }
      if (max == 1) {
        throw new InvalidSpecException("pids limit 1 leaves no room for the command: the container's init is a process "
            + "of its own; ask for at least 2");
      }
    }
  }

  static void checkCpus(double cpus, int available) {
    if (Double.isNaN(cpus) || Double.isInfinite(cpus)) {
      throw new InvalidSpecException("cpus " + cpus + " is not a number of CPUs: write e.g. 1.5");
    }
    if (cpus <= 0) {
      throw new InvalidSpecException("cpus " + plain(cpus) + " is not positive: ask for e.g. 0.5 or 2");
    }
    if (cpus < MIN_CPUS) {
      throw new InvalidSpecException("cpus " + plain(cpus) + " is below the smallest CPU limit, " + MIN_CPUS
          + " (the kernel's 1 ms per 100 ms): ask for at least " + MIN_CPUS);
    }
    if (cpus > available) {
      throw new InvalidSpecException("cpus " + plain(cpus) + " is more than the " + available
          + " CPUs this machine has: ask for at most " + available);
    }
  }

  /** Parses a CPU count such as {@code 1.5}, as {@code docker run --cpus} takes it. */
  static double parseCpus(String text) {
    try {
      return Double.parseDouble(text.trim());
    } catch (NumberFormatException | NullPointerException e) {
      throw new InvalidSpecException("cpus '" + text + "' is not a number of CPUs: write e.g. 1.5");
    }
  }

  private static String plain(double d) {
    return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
  }

  /** Whether no limit was asked for (the default pids limit aside). */
  public boolean isEmpty() {
    return memoryBytes().isEmpty() && cpus().isEmpty() && cpuShares().isEmpty() && pids().isEmpty();
  }
}
