package dev.poc.cli;

import dev.poc.InvalidSpecException;
import dev.poc.NetworkSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The network settings of the CLI's runtime: the seed's ({@code pocbr0}, {@code 10.100.0.0/16},
 * {@code 10.200.0.0/16}, chains {@code POC-*}) unless the environment says otherwise. The
 * variables are for keeping two users of one host (tests running in parallel, say) apart; every
 * command of one such user must see the same values, since {@code prune} removes the bridge and
 * chains they name.
 */
final class NetworkEnv {
  static final String BRIDGE = "POC_BRIDGE";
  static final String BRIDGE_SUBNET = "POC_BRIDGE_SUBNET";
  static final String DEFAULT_SUBNET = "POC_DEFAULT_SUBNET";
  static final String CHAIN_PREFIX = "POC_CHAIN_PREFIX";

  private NetworkEnv() {}

  static NetworkSettings settings(Map<String, String> env) {
    NetworkSettings.Builder b = NetworkSettings.builder();
    List<String> used = new ArrayList<>();
    set(env, BRIDGE, b::bridgeName, used);
    set(env, BRIDGE_SUBNET, b::bridgeSubnet, used);
    set(env, DEFAULT_SUBNET, b::defaultSubnet, used);
    set(env, CHAIN_PREFIX, b::chainPrefix, used);
    try {
      return b.build();
    } catch (InvalidSpecException e) {
      throw new InvalidSpecException(e.getMessage() + " (set in the environment: " + String.join(", ", used)
          + "): fix the variable, or unset it for the default");
    }
  }

  private static void set(Map<String, String> env, String key, Consumer<String> into, List<String> used) {
    String value = env.get(key);
    if (value != null && !value.isBlank()) {
      into.accept(value.strip());
      used.add(key + "=" + value.strip());
    }
  }
}
