package dev.poc;

import java.util.Optional;
import org.immutables.value.Value;

/**
 * One answer of {@link ContainerRuntime#info()}: whether something poc uses works on this host,
 * and if not, why and what to do. {@link #line()} says it in one line, e.g.
 * {@code network net-bridge: no: iptables-restore is not installed; fix: apt-get install iptables}.
 */
@Value.Immutable
public abstract class Check {
  /** What was checked, e.g. {@code network net-bridge}, {@code cgroup memory}, {@code state root}. */
  public abstract String name();

  /** Whether it works here. */
  public abstract boolean ok();

  /** When {@link #ok()}: what was found (a version, a path, a size); when not: the reason. */
  public abstract String detail();

  /** When not {@link #ok()}: what to do about it, e.g. {@code apt-get install iptables}. */
  public abstract Optional<String> fix();

  /** {@code NAME: yes: DETAIL}, or {@code NAME: no: REASON; fix: FIX}. */
  public String line() {
    return name() + ": " + (ok() ? "yes" : "no") + (detail().isEmpty() ? "" : ": " + detail())
        + fix().map(f -> "; fix: " + f).orElse("");
  }

  /** The reason and the fix as an error message says them: {@code REASON: FIX}. */
  public String problem() {
    return detail() + fix().map(f -> ": " + f).orElse("");
  }

  /** A check that says yes, with what was found. */
  public static Check yes(String name, String detail) {
    return ImmutableCheck.builder().name(name).ok(true).detail(detail).build();
  }

  /** A check that says no, with the reason and the fix ({@code fix} may be null when nothing helps). */
  public static Check no(String name, String reason, String fix) {
    return ImmutableCheck.builder().name(name).ok(false).detail(reason).fix(Optional.ofNullable(fix)).build();
  }

  @Override
  public String toString() {
    return line();
  }
}
