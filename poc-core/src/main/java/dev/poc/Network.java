package dev.poc;

import dev.poc.spi.NetworkStrategy;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How a container is connected: one of the runtime's own modes, or a {@link NetworkStrategy}
 * registered on the runtime under a name ({@link #custom(String)}). The CLI spells the modes
 * {@code net-disabled}, {@code net-default} and {@code net-bridge}, as the seed did.
 */
public final class Network {
  /** Its own network namespace with only {@code lo}, up. The default. */
  public static final Network DISABLED = new Network("DISABLED", "net-disabled", null);
  /** A veth pair to the host, {@code 10.200.N.2/24}, masqueraded out of the host's default route. */
  public static final Network DEFAULT = new Network("DEFAULT", "net-default", null);
  /** A veth pair enslaved to the {@code pocbr0} bridge, {@code 10.100.N.2/16}; containers reach each other. */
  public static final Network BRIDGE = new Network("BRIDGE", "net-bridge", null);
  private static final List<Network> MODES = List.of(DISABLED, DEFAULT, BRIDGE);
  private static final Pattern STRATEGY_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_-]{0,31}");

  private final String name;
  private final String cliName;
  private final String strategy;
  /** Whether this is a user-defined network made with {@code ContainerRuntime.createNetwork}. */
  private final boolean named;

  private Network(String name, String cliName, String strategy) {
    this(name, cliName, strategy, false);
  }

  private Network(String name, String cliName, String strategy, boolean named) {
    this.name = name;
    this.cliName = cliName;
    this.strategy = strategy;
    this.named = named;
  }

  /**
   * The user-defined network {@code networkName}, made with
   * {@code ContainerRuntime.createNetwork(networkName)}: a bridge and subnet of its own, whose
   * members reach each other by container name and by {@code ContainerSpec.networkAliases} (a DNS
   * responder on the network's gateway answers those names and no others), and nothing on another
   * such network or on the runtime's own bridge. The CLI spells it {@code --network NAME}.
   */
  public static Network named(String networkName) {
    if (networkName == null || !STRATEGY_NAME.matcher(networkName).matches()) {
      throw new InvalidSpecException("network name '" + networkName
          + "' is not valid: use 1 to 32 letters, digits, '-' and '_', starting with a letter or digit");
    }
    return new Network(networkName, networkName, null, true);
  }

  /** Whether this is a user-defined network ({@link #named(String)}). */
  public boolean isNamed() {
    return named;
  }

  /**
   * A container connected by the {@link NetworkStrategy} whose {@link NetworkStrategy#name()} is
   * {@code strategyName}, registered with {@code ContainerRuntime.builder().network(strategy)}.
   */
  public static Network custom(String strategyName) {
    if (strategyName == null || !STRATEGY_NAME.matcher(strategyName).matches()) {
      throw new InvalidSpecException("network strategy name '" + strategyName
          + "' is not valid: use 1 to 32 letters, digits, '-' and '_', starting with a letter or digit");
    }
    return new Network(strategyName, "net-" + strategyName, strategyName);
  }

  /** The runtime's own modes, in the order the seed listed them. */
  public static Network[] values() {
    return MODES.toArray(new Network[0]);
  }

  /** One of the runtime's own modes by its constant's name, e.g. {@code "BRIDGE"}. */
  public static Network valueOf(String name) {
    for (Network n : MODES) {
      if (n.name.equals(name)) {
        return n;
      }
    }
    throw new IllegalArgumentException("no network mode " + name + ": use DISABLED, DEFAULT or BRIDGE");
  }

  /** The constant's name ({@code BRIDGE}), or a custom strategy's name. */
  public String name() {
    return name;
  }

  /** The seed's word for this mode, e.g. {@code net-bridge}; {@code net-NAME} for a custom one. */
  public String cliName() {
    return cliName;
  }

  /**
   * Whether this host can connect a container this way, looking only for the tools it needs
   * (iptables for DEFAULT and BRIDGE): cheap enough to ask before anything is started.
   */
  public Check check() {
    return dev.poc.network.NetworkChecks.network(this);
  }

  /** Whether a registered {@link NetworkStrategy} connects it, and not the runtime's own. */
  public boolean isCustom() {
    return strategy != null;
  }

  /** Parses the seed's word for a mode; the error lists the three. */
  public static Network fromCliName(String word) {
    for (Network n : MODES) {
      if (n.cliName.equals(word)) {
        return n;
      }
    }
    throw new InvalidSpecException(
        "unknown network mode '" + word + "': use net-disabled, net-default or net-bridge");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Network n && n.name.equals(name) && Objects.equals(n.strategy, strategy) && n.named == named;
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }

  @Override
  public String toString() {
    return name;
  }
}
