package dev.poc.network;

import dev.poc.Check;
import dev.poc.Network;
import dev.poc.NetworkSettings;
import dev.poc.StartFailedException;
import dev.poc.host.HostChecks;
import dev.poc.host.Tool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * Whether each network mode can run on this host, and the one-line error a start fails with
 * when it cannot: {@code network net-bridge needs iptables: ...: apt-get install iptables ...}.
 */
public final class NetworkChecks {
  private NetworkChecks() {}

  /** The error a start fails with when {@code check} says no: {@code network net-bridge needs ...: FIX}. */
  public static StartFailedException failure(Check check) {
    return new StartFailedException(check.name() + " " + check.problem());
  }

  /**
   * Whether a container can be connected as {@code mode} here, looking only for the tools it
   * needs (a few stat calls): what a start asks first.
   */
  public static Check network(Network mode) {
    // iptables is looked for along PATH (30 failed access() calls on a long one) only when the mode needs it
    return network(mode, () -> HostChecks.iptables(Tool.searchDirs(), false), NetworkSettings.defaults());
  }

  public static Check network(Network mode, Check iptables, NetworkSettings settings) {
    return network(mode, () -> iptables, settings);
  }

  private static Check network(Network mode, Supplier<Check> iptablesCheck, NetworkSettings settings) {
    String name = "network " + mode.cliName();
    if (mode.isCustom()) {
      return Check.yes(name, "connected by the strategy '" + mode.name() + "' registered on the runtime");
    }
    if (mode == Network.DISABLED) {
      return Files.exists(Path.of("/proc/self/ns/net"))
          ? Check.yes(name, "a network namespace of its own, lo only")
          : Check.no(name, "this kernel has no network namespaces", "use a kernel built with CONFIG_NET_NS");
    }
    Check iptables = iptablesCheck.get();
    if (!iptables.ok()) {
      return Check.no(name, "needs iptables: " + iptables.detail(),
          iptables.fix().map(f -> f + ", or use net-disabled").orElse("use net-disabled"));
    }
    if (mode.isNamed()) {
      return Check.yes(name, "a bridge of its own in " + UserNetworks.POOL);
    }
    if (mode == Network.BRIDGE) {
      return Check.yes(name, "bridge " + settings.bridgeName() + " on " + settings.bridgeSubnet());
    }
    return Check.yes(name, settings.defaultSubnet() + " in /24 blocks, " + HostRoutes.defaultInterface()
        .map(i -> "masqueraded out of " + i).orElse("no default route: containers reach this host only"));
  }

  public static List<Check> networks(Check iptables, NetworkSettings settings) {
    return List.of(network(Network.DISABLED, iptables, settings), network(Network.DEFAULT, iptables, settings),
        network(Network.BRIDGE, iptables, settings));
  }
}
