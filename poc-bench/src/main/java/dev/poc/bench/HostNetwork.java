package dev.poc.bench;

import dev.poc.NetworkSettings;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Addressing for the benchmark's own poc runtime: a bridge, subnets and iptables chains no one
 * else on the host uses, so that a run neither disturbs nor is disturbed by other users of poc.
 * Names avoid the run's container prefix: the bridge outlives containers and is not a leftover.
 */
final class HostNetwork {
  private HostNetwork() {}

  static NetworkSettings privateSettings(Names names) throws IOException, InterruptedException {
    String tag = names.prefix().substring(1);
    String routes = HostCommand.output(List.of("ip", "-4", "route", "show"));
    for (int attempt = 0; attempt < 50; attempt++) {
      int bridge = 64 + ThreadLocalRandom.current().nextInt(60);
      int nat = bridge + 64;
      if (!routes.contains("10." + bridge + ".") && !routes.contains("10." + nat + ".")) {
        return NetworkSettings.builder()
            .bridgeName("pocb" + tag)
            .bridgeSubnet("10." + bridge + ".0.0/16")
            .defaultSubnet("10." + nat + ".0.0/16")
            .chainPrefix("POCB" + tag)
            .build();
      }
    }
    throw new BenchmarkFailedException("no free 10.x.0.0/16 pair for the benchmark's bridge: the host routes "
        + "all of 10.64-10.187: free one");
  }
}
