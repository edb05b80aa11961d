package dev.poc;

/**
 * How a container is connected. The CLI spells these {@code net-disabled}, {@code net-default}
 * and {@code net-bridge}, as the seed did.
 */
public enum Network {
  /** Its own network namespace with only {@code lo}, up. The default. */
  DISABLED("net-disabled"),
  /** A veth pair to the host, {@code 10.200.N.2/24}, masqueraded out of the host's default route. */
  DEFAULT("net-default"),
  /** A veth pair enslaved to the {@code pocbr0} bridge, {@code 10.100.N.2/16}; containers reach each other. */
  BRIDGE("net-bridge");

  private final String cliName;

  Network(String cliName) {
    this.cliName = cliName;
  }

  /** The seed's word for this mode, e.g. {@code net-bridge}. */
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

  /** Parses the seed's word for a mode; the error lists the three. */
  public static Network fromCliName(String word) {
    for (Network n : values()) {
      if (n.cliName.equals(word)) {
        return n;
      }
    }
    throw new InvalidSpecException(
        "unknown network mode '" + word + "': use net-disabled, net-default or net-bridge");
  }
}
