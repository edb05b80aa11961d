package dev.poc;

import org.immutables.value.Value;

/** A container TCP port published on the host's loopback address. */
@Value.Immutable
public abstract class PortMapping {
  /** The host port on 127.0.0.1; 0 asks for any free one (see {@link Container#hostPort(int)}). */
  @Value.Parameter
  public abstract int hostPort();

  /** The TCP port inside the container. */
  @Value.Parameter
  public abstract int containerPort();

  /** Publishes {@code containerPort} on {@code 127.0.0.1:hostPort}. */
  public static PortMapping of(int hostPort, int containerPort) {
    return ImmutablePortMapping.of(hostPort, containerPort);
  }

  @Value.Check
  void check() {
    if (hostPort() < 0 || hostPort() > 65535) {
      throw new InvalidSpecException("host port " + hostPort() + " is outside 0..65535 (0 picks a free one)");
    }
    if (containerPort() < 1 || containerPort() > 65535) {
      throw new InvalidSpecException("container port " + containerPort() + " is outside 1..65535");
    }
  }
}
