package dev.poc;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;

/**
 * The settings a runtime takes from outside the code, so that the Java API's default runtime and
 * the CLI agree. For each setting the first of these wins: the builder's value
 * ({@link ContainerRuntime.Builder}, or the CLI's option), a system property, an environment
 * variable, the default:
 *
 * <table>
 * <caption>settings</caption>
 * <tr><th>setting</th><th>system property</th><th>environment</th><th>default</th></tr>
 * <tr><td>state root</td><td>{@code poc.stateRoot}</td><td>{@code POC_STATE_ROOT}</td><td>{@code /var/lib/poc_container}</td></tr>
 * <tr><td>bridge</td><td>{@code poc.bridge}</td><td>{@code POC_BRIDGE}</td><td>{@code pocbr0}</td></tr>
 * <tr><td>bridge subnet</td><td>{@code poc.bridgeSubnet}</td><td>{@code POC_BRIDGE_SUBNET}</td><td>{@code 10.100.0.0/16}</td></tr>
 * <tr><td>net-default subnet</td><td>{@code poc.defaultSubnet}</td><td>{@code POC_DEFAULT_SUBNET}</td><td>{@code 10.200.0.0/16}</td></tr>
 * <tr><td>iptables chain prefix</td><td>{@code poc.chainPrefix}</td><td>{@code POC_CHAIN_PREFIX}</td><td>{@code POC}</td></tr>
 * </table>
 *
 * <p>Every process of one user must see the same network values: {@code prune} removes the bridge
 * and chains they name.
 */
public final class PocSettings {
  public static final String STATE_ROOT_PROPERTY = "poc.stateRoot";
  public static final String STATE_ROOT_ENV = "POC_STATE_ROOT";
  public static final String BRIDGE_ENV = "POC_BRIDGE";
  public static final String BRIDGE_SUBNET_ENV = "POC_BRIDGE_SUBNET";
  public static final String DEFAULT_SUBNET_ENV = "POC_DEFAULT_SUBNET";
  public static final String CHAIN_PREFIX_ENV = "POC_CHAIN_PREFIX";

  private PocSettings() {}

  /**
   * Where poc keeps what is not under a state root (name locks, control sockets, the helper
   * binary), which tools beside poc (the JUnit harness's locks) share: {@code /run/poc} for root,
   * the user's own {@code $XDG_RUNTIME_DIR/poc-host} (else {@code ~/.local/share/poc-host})
   * rootless.
   */
  public static Path hostState() {
    return dev.poc.host.HostDirs.hostState();
  }

  /** The state root from this JVM's system properties and environment. */
  public static Path stateRoot() {
    return stateRoot(System.getProperties(), System.getenv());
  }

  /** The state root: {@code poc.stateRoot}, else {@code POC_STATE_ROOT}, else {@link ContainerRuntime#DEFAULT_STATE_ROOT}. */
  public static Path stateRoot(Properties props, Map<String, String> env) {
    String p = props.getProperty(STATE_ROOT_PROPERTY);
    if (p != null && !p.isBlank()) {
      return Path.of(p.strip());
    }
    String e = env.get(STATE_ROOT_ENV);
    return e != null && !e.isBlank() ? Path.of(e.strip()) : ContainerRuntime.DEFAULT_STATE_ROOT;
  }

  /** The network settings from this JVM's system properties and environment. */
  public static NetworkSettings network() {
    return network(System.getProperties(), System.getenv());
  }

  /** The network settings: each value from its system property, else its variable, else the seed's. */
  public static NetworkSettings network(Properties props, Map<String, String> env) {
    NetworkSettings.Builder b = NetworkSettings.builder();
    List<String> fromEnv = new ArrayList<>();
    List<String> fromProps = new ArrayList<>();
    set(props, env, "poc.bridge", BRIDGE_ENV, b::bridgeName, fromProps, fromEnv);
    set(props, env, "poc.bridgeSubnet", BRIDGE_SUBNET_ENV, b::bridgeSubnet, fromProps, fromEnv);
    set(props, env, "poc.defaultSubnet", DEFAULT_SUBNET_ENV, b::defaultSubnet, fromProps, fromEnv);
    set(props, env, "poc.chainPrefix", CHAIN_PREFIX_ENV, b::chainPrefix, fromProps, fromEnv);
    try {
      return b.build();
    } catch (InvalidSpecException e) {
      List<String> where = new ArrayList<>();
      if (!fromEnv.isEmpty()) {
        where.add("set in the environment: " + String.join(", ", fromEnv));
      }
      if (!fromProps.isEmpty()) {
        where.add("set as system properties: " + String.join(", ", fromProps));
      }
      throw new InvalidSpecException(e.getMessage() + (where.isEmpty() ? "" : " (" + String.join("; ", where) + ")")
          + ": fix the variable, or unset it for the default");
    }
  }

  private static void set(Properties props, Map<String, String> env, String property, String variable,
      Consumer<String> into, List<String> fromProps, List<String> fromEnv) {
    String p = props.getProperty(property);
    if (p != null && !p.isBlank()) {
      into.accept(p.strip());
      fromProps.add("-D" + property + "=" + p.strip());
      return;
    }
    String e = env.get(variable);
    if (e != null && !e.isBlank()) {
      into.accept(e.strip());
      fromEnv.add(variable + "=" + e.strip());
    }
  }
}
