package dev.poc.spi;

import java.util.Map;
import java.util.Optional;

/**
 * What a network strategy assigned to one container, published in its {@link StartContext}:
 * {@code ctx.publish(NetworkFacts.class, facts)}.
 */
public final class NetworkFacts {
  private final String address;
  private final String gateway;
  private final Map<Integer, Integer> hostPorts;

  /** {@code address} and {@code gateway} may be null; {@code hostPorts}: container port to host port. */
  public NetworkFacts(String address, String gateway, Map<Integer, Integer> hostPorts) {
    this.address = address;
    this.gateway = gateway;
    this.hostPorts = Map.copyOf(hostPorts);
  }

  /** The container's IPv4 address, if it has more than loopback. */
  public Optional<String> address() {
    return Optional.ofNullable(address);
  }

  /** The container's default gateway, if it has one. */
  public Optional<String> gateway() {
    return Optional.ofNullable(gateway);
  }

  /** Container port to the host port it is published on. */
  public Map<Integer, Integer> hostPorts() {
    return hostPorts;
  }
}
