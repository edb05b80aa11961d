package dev.poc;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import org.immutables.value.Value;

/** What {@code poc ps} shows of one container: see {@link ContainerRuntime#containers()}. */
@Value.Immutable
public abstract class ContainerInfo {
  /** Whether a container runs. */
  public enum State {
    /** Its command runs. */
    RUNNING,
    /** It has a disk but nothing runs on it. */
    STOPPED
  }

  /** The container's name. */
  public abstract String name();

  /** Whether it runs. */
  public abstract State state();

  /** The host pid of its init, while it runs. */
  public abstract OptionalInt pid();

  /** Its IPv4 address, when its network gives it one. */
  public abstract Optional<String> address();

  /** Where its root filesystem comes from, e.g. "host rootfs" or "disk test0". */
  public abstract String rootfs();

  /** When it was started, while it runs. */
  public abstract Optional<Instant> started();

  /** Whether it was started detached (it outlives the process that started it). */
  @Value.Default
  public boolean detached() {
    return false;
  }

  /** How long it has run, or zero. */
  public Duration uptime() {
    return started().map(s -> Duration.between(s, Instant.now())).orElse(Duration.ZERO);
  }
}
