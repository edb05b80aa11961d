package dev.poc;

import dev.poc.network.AddressAllocator;
import dev.poc.network.Ipv4Subnet;
import dev.poc.network.NetworkSetup;
import dev.poc.spi.HostSetup;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One network test's own world: a tag in every name it makes (bridge, chains, containers),
 * subnets no one else uses, a runtime on a fresh state root, and a snapshot of the host's
 * links, netns names, iptables rules and mounts (those carrying the tag or the subnets) that
 * {@link #close} compares after pruning.
 */
public final class NetEnv implements AutoCloseable {
  final String tag;
  final NetworkSettings settings;
  final Path stateRoot;
  final ContainerRuntime rt;
  private final List<String> before;
  private final java.util.concurrent.atomic.AtomicInteger names = new java.util.concurrent.atomic.AtomicInteger();

  private NetEnv(String tag, NetworkSettings settings) throws IOException, InterruptedException {
    this.tag = tag;
    this.settings = settings;
    this.before = snapshot();
    this.stateRoot = TestRootfs.stateRoot();
    this.rt = runtime();
  }

  /** A fresh tag, subnets 10.X.0.0/16 (default) and 10.X+1.0.0/16 (bridge) unused on the host. */
  static NetEnv create() throws IOException, InterruptedException {
    String tag = Integer.toHexString(0x1000 + ThreadLocalRandom.current().nextInt(0xefff));
    String used = run("ip", "-o", "-4", "addr") + run("ip", "route");
    int x;
    do {
      x = 20 + 2 * ThreadLocalRandom.current().nextInt(40);
    } while (used.contains("10." + x + ".") || used.contains("10." + (x + 1) + "."));
    NetworkSettings s = NetworkSettings.builder()
        .defaultSubnet("10." + x + ".0.0/16")
        .bridgeSubnet("10." + (x + 1) + ".0.0/16")
        .bridgeName("pocbrt" + tag)
        .chainPrefix("PT" + tag.toUpperCase(Locale.ROOT))
        .build();
    return new NetEnv(tag, s);
  }

  /** Another runtime on the same state root and settings (as a new JVM would open). */
  ContainerRuntime runtime() {
    return ContainerRuntime.builder().stateRoot(stateRoot).network(settings).build();
  }

  /** A container name carrying the tag, unique in this test, {@code length} (8 to 64) characters long. */
  String name(int length) {
    String count = Integer.toString(names.getAndIncrement(), 36);
    String head = "n" + tag + "-" + "0".repeat(Math.max(0, 2 - count.length())) + count;
    return (head + "-abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz").substring(0, length);
  }

  ContainerSpec.Builder container(String name, Network mode) throws IOException, InterruptedException {
    return rt.container().name(name).rootfs(Rootfs.directory(TestRootfs.busybox())).network(mode)
        .stopTimeout(java.time.Duration.ofSeconds(2));
  }

  NetworkSetup setup() {
    return setup(rt);
  }

  static NetworkSetup setup(ContainerRuntime runtime) {
    return (NetworkSetup) runtime.setups().stream().filter(NetworkSetup.class::isInstance).findFirst().orElseThrow();
  }

  /** The host's links, netns names, iptables rules and mounts that mention this test. */
  List<String> snapshot() throws IOException, InterruptedException {
    List<String> lines = new ArrayList<>();
    String subnets = settings.defaultSubnet().substring(0, settings.defaultSubnet().indexOf(".0.0/"));
    String bridgeSubnets = settings.bridgeSubnet().substring(0, settings.bridgeSubnet().indexOf(".0.0/"));
    for (String[] cmd : List.of(new String[] {"ip", "-o", "link"}, new String[] {"ip", "-o", "-4", "addr"},
        new String[] {"ip", "netns"}, new String[] {"iptables", "-S"}, new String[] {"iptables", "-t", "nat", "-S"},
        new String[] {"cat", "/proc/self/mountinfo"})) {
      for (String line : run(cmd).split("\n")) {
        if (line.contains(tag) || line.contains(tag.toUpperCase(Locale.ROOT)) || line.contains(subnets + ".")
            || line.contains(bridgeSubnets + ".")) {
          lines.add(String.join(" ", cmd) + ": " + line.replaceAll("^\\d+: ", ""));
        }
      }
    }
    return lines;
  }

  /** Stops everything, prunes, and checks the host is as before; removes the test's lease files. */
  @Override
  public void close() throws IOException, InterruptedException {
    rt.close();
    for (HostSetup h : rt.setups()) {
      h.prune();
    }
    assertThat(snapshot()).as("host objects of test %s after prune", tag).isEqualTo(before);
    for (String subnet : List.of(settings.defaultSubnet(), settings.bridgeSubnet())) {
      String base = subnet.replace('/', '_');
      AddressAllocator pool = new AddressAllocator(NetworkSetup.LEASE_DIR, Ipv4Subnet.parse(subnet, "test"));
      assertThat(pool.leases()).as("leases of %s", subnet).isEmpty();
      Files.deleteIfExists(NetworkSetup.LEASE_DIR.resolve(base + ".leases.json"));
    }
  }

  public static String run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return s;
  }
}
