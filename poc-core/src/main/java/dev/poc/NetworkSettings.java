package dev.poc;

import dev.poc.network.Ipv4Subnet;
import java.util.regex.Pattern;
import org.immutables.value.Value;

/**
 * Host-side addressing of {@link Network#DEFAULT} and {@link Network#BRIDGE} containers, set once
 * per {@link ContainerRuntime} ({@code ContainerRuntime.builder().network(...)}). The defaults are
 * the seed's: {@code 10.200.0.0/16} carved into /24s for DEFAULT, bridge {@code pocbr0} at
 * {@code 10.100.1.1/16} for BRIDGE, iptables chains {@code POC-FORWARD} and
 * {@code POC-POSTROUTING}. Change them when those ranges clash with a network of the host's, or
 * to keep runtimes (tests, say) apart.
 *
 * <p>Each container gets one /24 block N of its subnet, counted from 1: under DEFAULT the host
 * end is {@code .N.1/24} and the container {@code .N.2/24}; under BRIDGE the container is
 * {@code .N.2} with the bridge's prefix and the bridge is {@code .1.1}. A /16 thus holds 255
 * containers of each kind.
 */
@Value.Immutable
public abstract class NetworkSettings {
  private static final Pattern IF_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,14}");
  private static final Pattern CHAIN_PREFIX = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,15}");

  /** The subnet DEFAULT containers get /24 blocks of; {@code 10.200.0.0/16} unless set. */
  @Value.Default
  public String defaultSubnet() {
    return "10.200.0.0/16";
  }

  /** The bridge BRIDGE containers are plugged into, created on first use; {@code pocbr0} unless set. */
  @Value.Default
  public String bridgeName() {
    return "pocbr0";
  }

  /** The bridge's subnet (at most /23); the bridge takes {@code .1.1}. {@code 10.100.0.0/16} unless set. */
  @Value.Default
  public String bridgeSubnet() {
    return "10.100.0.0/16";
  }

  /**
   * The prefix of poc's iptables chains ({@code PREFIX-FORWARD} in filter,
   * {@code PREFIX-POSTROUTING} in nat); {@code POC} unless set.
   */
  @Value.Default
  public String chainPrefix() {
    return "POC";
  }

  /** The seed's addressing. */
  public static NetworkSettings defaults() {
    return builder().build();
  }

  /** A builder of settings, each defaulting to the seed's. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link NetworkSettings}; a setting left unset keeps the seed's value. */
  public static class Builder extends ImmutableNetworkSettings.Builder {
    Builder() {}
  }

  Ipv4Subnet defaultPool() {
    return Ipv4Subnet.parse(defaultSubnet(), "default subnet");
  }

  Ipv4Subnet bridgePool() {
    return Ipv4Subnet.parse(bridgeSubnet(), "bridge subnet");
  }

  /** The bridge's own address: block 1, host 1 ({@code 10.100.1.1}). */
  String bridgeGateway() {
    return bridgePool().address(1, 1);
  }

  String forwardChain() {
    return chainPrefix() + "-FORWARD";
  }

  String postroutingChain() {
    return chainPrefix() + "-POSTROUTING";
  }

  @Value.Check
  void check() {
    Ipv4Subnet def = defaultPool();
    Ipv4Subnet bridge = bridgePool();
    if (bridge.prefix() > 23) {
      throw new InvalidSpecException("bridge subnet '" + bridgeSubnet()
          + "' is smaller than /23: the bridge takes block 1 and containers need blocks of their own");
    }
    if (def.overlaps(bridge)) {
      throw new InvalidSpecException("default subnet '" + defaultSubnet() + "' overlaps bridge subnet '"
          + bridgeSubnet() + "': give them ranges of their own");
    }
    if (!IF_NAME.matcher(bridgeName()).matches()) {
      throw new InvalidSpecException("bridge name '" + bridgeName()
          + "' is not a valid interface name: 1 to 15 of letters, digits, '_', '.', '-'");
    }
    if (!CHAIN_PREFIX.matcher(chainPrefix()).matches()) {
      throw new InvalidSpecException("chain prefix '" + chainPrefix()
          + "' is not valid: 1 to 16 of letters, digits, '_', '-' (iptables chain names end at 28 characters)");
    }
  }
}
