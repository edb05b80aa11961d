package dev.poc.cli;

import dev.poc.NetworkSettings;
import dev.poc.PocSettings;
import java.util.Map;

/**
 * The network settings of the CLI's runtime: those of {@link PocSettings} (the seed's unless
 * system properties or the {@code POC_*} variables say otherwise), as the Java API's default
 * runtime takes them. The variables keep two users of one host (tests running in parallel, say)
 * apart; every command of one such user must see the same values, since {@code prune} removes
 * the bridge and chains they name.
 */
final class NetworkEnv {
  static final String BRIDGE = PocSettings.BRIDGE_ENV;
  static final String BRIDGE_SUBNET = PocSettings.BRIDGE_SUBNET_ENV;
  static final String DEFAULT_SUBNET = PocSettings.DEFAULT_SUBNET_ENV;
  static final String CHAIN_PREFIX = PocSettings.CHAIN_PREFIX_ENV;

  private NetworkEnv() {}

  static NetworkSettings settings(Map<String, String> env) {
    return PocSettings.network(System.getProperties(), env);
  }
}
