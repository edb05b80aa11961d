package dev.poc;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.immutables.value.Value;

/**
 * A container that runs under a state root, started by this process or another (e.g. detached):
 * what {@code poc ps} shows of it. See {@link ContainerRuntime#runs()}.
 */
@Value.Immutable
public abstract class RunInfo {
  /** The container's name. */
  public abstract String name();

  /** The host pid of its init. */
  public abstract int pid();

  /** Its IPv4 address, when its network gives it one. */
  public abstract Optional<String> address();

  /** Where its root filesystem comes from, e.g. "host rootfs" or "disk test0". */
  public abstract String rootfs();

  /** When it was started. */
  public abstract Instant started();

  /** Whether it was started detached (it outlives the process that started it). */
  @Value.Default
  public boolean detached() {
    return false;
  }

  /** Its labels ({@link ContainerSpec#labels()}), as recorded when it started. */
  public abstract java.util.Map<String, String> labels();

  /** Its published ports: container port to host port on 127.0.0.1 ({@link Container#hostPort(int)}). */
  public abstract java.util.Map<Integer, Integer> hostPorts();

  /** How long it has run. */
  public Duration uptime() {
    return Duration.between(started(), Instant.now());
  }

  /** A builder, for the state code that lists running containers. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link RunInfo} values; the setters are generated. */
  public static class Builder extends ImmutableRunInfo.Builder {}
}
