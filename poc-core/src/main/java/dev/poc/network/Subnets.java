package dev.poc.network;

import dev.poc.NetworkSettings;

/** What the network code derives from the user's {@link NetworkSettings}: pools, gateway, chain names. */
final class Subnets {
  private Subnets() {}

  static Ipv4Subnet defaultPool(NetworkSettings s) {
    return Ipv4Subnet.parse(s.defaultSubnet(), "default subnet");
  }

  static Ipv4Subnet bridgePool(NetworkSettings s) {
    return Ipv4Subnet.parse(s.bridgeSubnet(), "bridge subnet");
  }

  /** The bridge's own address: block 1, host 1 ({@code 10.100.1.1}). */
  static String bridgeGateway(NetworkSettings s) {
    return bridgePool(s).address(1, 1);
  }

  static String forwardChain(NetworkSettings s) {
    return s.chainPrefix() + "-FORWARD";
  }

  /** A named network's chain for what its containers send to the host itself (its DNS responder). */
  static String inputChain(NetworkSettings s) {
    return s.chainPrefix() + "-INPUT";
  }

  static String postroutingChain(NetworkSettings s) {
    return s.chainPrefix() + "-POSTROUTING";
  }
}
