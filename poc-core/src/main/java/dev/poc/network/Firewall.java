package dev.poc.network;

import dev.poc.host.Directories;
import dev.poc.host.Tool;
import dev.poc.host.Flock;
import dev.poc.Network;
import dev.poc.NetworkSettings;
import dev.poc.StartFailedException;
import dev.poc.host.HostChecks;
import dev.poc.host.Tool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * poc's iptables rules. They live in two chains of poc's own, {@code PREFIX-FORWARD} (filter)
 * and {@code PREFIX-POSTROUTING} (nat), reached by one jump each from the built-in FORWARD and
 * POSTROUTING (a named network also has {@code PREFIX-INPUT}, jumped to from INPUT, which lets its
 * containers reach its DNS responder); the host's own rules and policies are never touched. The rules are per subnet,
 * not per container (accept forwarding from poc's subnets and the replies to them, masquerade
 * what leaves them), so they are installed once, when the first networked container of a
 * runtime starts, and starting or removing a container changes no rule. {@link #prune} removes
 * the jumps and the chains.
 *
 * <p>A stamp file per chain prefix ({@code /run/poc/net/PREFIX.firewall}, a random token) tells a
 * runtime, for the price of reading it, that nobody has pruned the chains since it installed
 * them: prune deletes the stamp, and the next start of any runtime installs them again.
 */
final class Firewall {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Firewall.class);
  private static final Path DIR = Path.of("/run/poc/net");
  private static final Path LOCK = DIR.resolve("iptables.lock");
  private static final String ESTABLISHED = "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT";

  private final NetworkSettings settings;
  private final List<Path> toolDirs;
  private final Path stamp;
  /** The stamp this runtime saw when it last installed its rules; null before. */
  private volatile String installed;

  /** A named network's subnets (its own among them), none for the runtime's own modes. */
  private final Ipv4Subnet isolatedPool;
  /** A named network's runtime's own settings, whose subnets it must not reach; null for those modes. */
  private final NetworkSettings neighbour;

  Firewall(NetworkSettings settings) {
    this(settings, Tool.searchDirs());
  }

  /** A named network's: see {@link #wanted(NetworkSettings, Optional, Ipv4Subnet, NetworkSettings)}. */
  Firewall(NetworkSettings settings, Ipv4Subnet isolatedPool, NetworkSettings neighbour) {
    this(settings, Tool.searchDirs(), isolatedPool, neighbour);
  }

  /** Looks for the iptables tools in {@code toolDirs} only. */
  Firewall(NetworkSettings settings, List<Path> toolDirs) {
    this(settings, toolDirs, null, null);
  }

  private Firewall(NetworkSettings settings, List<Path> toolDirs, Ipv4Subnet isolatedPool, NetworkSettings neighbour) {
    this.isolatedPool = isolatedPool;
    this.neighbour = neighbour;
    this.settings = settings;
    this.toolDirs = List.copyOf(toolDirs);
    this.stamp = DIR.resolve(settings.chainPrefix() + ".firewall");
  }

  /**
   * Installs whatever of poc's chains, rules and jumps is missing: once per runtime, and again
   * after a prune.
   */
  void ensure(Network mode) throws IOException {
    String seen = installed;
    if (seen == null || !seen.equals(readStamp())) {
      install(mode, HostRoutes.defaultInterface());
    }
  }

  /** {@code egress} is the host's default-route interface, when it has one. */
  private synchronized void install(Network mode, Optional<String> egress) throws IOException {
    if (installed != null && installed.equals(readStamp())) {
      return;
    }
    Tool save = tool("iptables-save", mode);
    Tool restore = tool("iptables-restore", mode);
    withHostLock(() -> {
      Map<String, List<String>> present = parse(save.output("reading the host's iptables rules", List.of()));
      if (egress.isEmpty()) {
        LOG.warn("the host has no default route: {} containers will reach the host but nothing beyond", settings.defaultSubnet());
      }
      String script = missing(present, wanted(settings, egress, isolatedPool, neighbour));
      if (!script.isEmpty()) {
        restore.output("adding poc's iptables rules", List.of("--noflush", "--wait"), script);
      }
      String token = readStamp();
      if (token == null) {
        token = Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong());
        Files.writeString(stamp, token);
      }
      installed = token;
      return null;
    });
  }

  private String readStamp() throws IOException {
    try {
      return Files.readString(stamp);
    } catch (java.nio.file.NoSuchFileException e) {
      return null;
    }
  }

  /** Removes the jumps to poc's chains and the chains themselves; nothing when iptables is absent. */
  synchronized void prune() throws IOException {
    Tool save = iptables("iptables-save");
    Tool restore = iptables("iptables-restore");
    if (!save.isInstalled() || !restore.isInstalled()) {
      return;
    }
    withHostLock(() -> {
      Map<String, List<String>> present = parse(save.output("reading the host's iptables rules", List.of()));
      String script = removal(present);
      if (!script.isEmpty()) {
        restore.output("removing poc's iptables rules", List.of("--noflush", "--wait"), script);
      }
      Files.deleteIfExists(stamp);
      return null;
    });
    installed = null;
  }

  /**
   * A named network's rules: what enters from its bridge is forwarded, except to the rest of
   * {@code pool} (the other named networks) and to the bridge and default subnets of
   * {@code neighbour} (its runtime's own modes), which is dropped; replies to it come back; what
   * leaves its subnet for elsewhere is masqueraded. With no pool: the runtime's own modes' rules.
   *
   * <p>Each chain drops only what enters from its own side, so the order of the chains' jumps in
   * FORWARD does not matter: no other chain of poc's accepts a new connection from this bridge,
   * and the runtime's own chain drops what its containers send into the pool.
   */
  static Map<String, List<String>> wanted(NetworkSettings s, Optional<String> egress, Ipv4Subnet pool,
      NetworkSettings neighbour) {
    if (pool == null) {
      return wanted(s, egress);
    }
    String fwd = Subnets.forwardChain(s);
    String post = Subnets.postroutingChain(s);
    String br = s.bridgeSubnet();
    String bridge = s.bridgeName();
    Map<String, List<String>> m = new LinkedHashMap<>();
    String in = Subnets.inputChain(s);
    String dns = "-A " + in + " -d " + Subnets.bridgeGateway(s) + "/32 -i " + bridge;
    m.put("filter", List.of(
        // the network's DNS responder answers on its gateway, even on a host whose INPUT drops by default
        ":" + in,
        "-A INPUT -j " + in,
        dns + " -p udp -m udp --dport 53 -j ACCEPT",
        dns + " -p tcp -m tcp --dport 53 -j ACCEPT",
        ":" + fwd,
        "-A FORWARD -j " + fwd,
        "-A " + fwd + " -d " + pool + " -i " + bridge + " ! -o " + bridge + " -j DROP",
        "-A " + fwd + " -d " + neighbour.bridgeSubnet() + " -i " + bridge + " -j DROP",
        "-A " + fwd + " -d " + neighbour.defaultSubnet() + " -i " + bridge + " -j DROP",
        "-A " + fwd + " -i " + bridge + " -j ACCEPT",
        "-A " + fwd + " -o " + bridge + " " + ESTABLISHED));
    m.put("nat", List.of(
        ":" + post,
        "-A POSTROUTING -j " + post,
        "-A " + post + " -s " + br + " ! -d " + br + " -j MASQUERADE"));
    return m;
  }

  /**
   * The rules this runtime wants, by table, in iptables-save's own spelling. Its containers never
   * open a connection into a named network ({@link UserNetworks#POOL}): those are dropped first.
   */
  static Map<String, List<String>> wanted(NetworkSettings s, Optional<String> egress) {
    String fwd = Subnets.forwardChain(s);
    String post = Subnets.postroutingChain(s);
    String def = s.defaultSubnet();
    String br = s.bridgeSubnet();
    List<String> filter = List.of(
        ":" + fwd,
        "-A FORWARD -j " + fwd,
        "-A " + fwd + " -s " + def + " -d " + UserNetworks.POOL + " -j DROP",
        "-A " + fwd + " -d " + UserNetworks.POOL + " -i " + s.bridgeName() + " -j DROP",
        "-A " + fwd + " -s " + def + " -j ACCEPT",
        "-A " + fwd + " -d " + def + " " + ESTABLISHED,
        "-A " + fwd + " -i " + s.bridgeName() + " -j ACCEPT",
        "-A " + fwd + " -o " + s.bridgeName() + " " + ESTABLISHED);
    List<String> nat = new ArrayList<>(List.of(
        ":" + post,
        "-A POSTROUTING -j " + post,
        "-A " + post + " -s " + br + " ! -d " + br + " -j MASQUERADE"));
    egress.ifPresent(e -> nat.add("-A " + post + " -s " + def + " -o " + e + " -j MASQUERADE"));
    Map<String, List<String>> m = new LinkedHashMap<>();
    m.put("filter", filter);
    m.put("nat", nat);
    return m;
  }

  /**
   * An iptables-restore script adding what of {@code wanted} is not {@code present}: new chains
   * are declared, jumps from built-in chains inserted first, poc's own rules appended.
   */
  static String missing(Map<String, List<String>> present, Map<String, List<String>> wanted) {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, List<String>> t : wanted.entrySet()) {
      List<String> have = present.getOrDefault(t.getKey(), List.of());
      List<String> add = new ArrayList<>();
      for (String line : t.getValue()) {
        if (line.startsWith(":")) {
          if (have.stream().noneMatch(h -> h.startsWith(line + " "))) {
            add.add(line + " - [0:0]");
          }
        } else if (!have.contains(line)) {
          String[] f = line.split(" ", 3);
          boolean builtIn = f[1].equals("FORWARD") || f[1].equals("POSTROUTING") || f[1].equals("INPUT");
          boolean dropIntoExisting = line.endsWith(" -j DROP") && have.stream().anyMatch(h -> h.startsWith(":" + f[1] + " "));
          // a drop missing from a chain that exists (made by an earlier poc) goes before its accepts
          add.add(builtIn ? "-I " + f[1] + " 1 " + f[2] : dropIntoExisting ? "-I " + f[1] + " 1 " + f[2] : line);
        }
      }
      if (!add.isEmpty()) {
        sb.append('*').append(t.getKey()).append('\n');
        add.forEach(l -> sb.append(l).append('\n'));
        sb.append("COMMIT\n");
      }
    }
    return sb.toString();
  }

  /** An iptables-restore script deleting every jump to poc's chains, then the chains. */
  String removal(Map<String, List<String>> present) {
    Map<String, List<String>> chains = new java.util.LinkedHashMap<>();
    chains.put("filter", List.of(Subnets.forwardChain(settings), Subnets.inputChain(settings)));
    chains.put("nat", List.of(Subnets.postroutingChain(settings)));
    return chainsRemoval(chains, present);
  }

  /**
   * An iptables-restore input that removes {@code chains} (by table, in the map's order) from
   * what {@code present} (iptables-save by table) shows: every jump to them from another chain,
   * then their rules and the chains themselves; empty when none of them is there.
   */
  static String chainsRemoval(Map<String, List<String>> chains, Map<String, List<String>> present) {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, List<String>> table : chains.entrySet()) {
      List<String> have = present.getOrDefault(table.getKey(), List.of());
      List<String> del = new ArrayList<>();
      for (String chain : table.getValue()) {
        for (String line : have) {
          if (line.startsWith("-A ") && line.endsWith(" -j " + chain) && !line.startsWith("-A " + chain + " ")) {
            del.add("-D " + line.substring(3));
          }
        }
      }
      for (String chain : table.getValue()) {
        if (have.stream().anyMatch(h -> h.startsWith(":" + chain + " "))) {
          del.add("-F " + chain);
          del.add("-X " + chain);
        }
      }
      if (!del.isEmpty()) {
        sb.append('*').append(table.getKey()).append('\n');
        del.forEach(l -> sb.append(l).append('\n'));
        sb.append("COMMIT\n");
      }
    }
    return sb.toString();
  }

  /** iptables-save output, by table: chain declarations and rules. */
  static Map<String, List<String>> parse(String save) {
    Map<String, List<String>> tables = new HashMap<>();
    List<String> current = null;
    for (String line : save.split("\n")) {
      if (line.startsWith("*")) {
        current = tables.computeIfAbsent(line.substring(1).trim(), k -> new ArrayList<>());
      } else if (current != null && (line.startsWith(":") || line.startsWith("-A "))) {
        current.add(line.trim());
      }
    }
    return tables;
  }

  private interface Locked {
    Object run() throws IOException;
  }

  /** Holds a host-wide lock, so two processes never add the same rule twice. */
  private static void withHostLock(Locked body) throws IOException {
    Directories.ensure(LOCK.getParent());
    try (Flock held = Flock.lock(LOCK)) { // excludes this JVM's threads and other processes alike
      body.run();
    }
  }

  private Tool tool(String name, Network mode) {
    Tool tool = iptables(name);
    if (!tool.isInstalled()) {
      throw NetworkChecks.failure(NetworkChecks.network(mode, HostChecks.iptables(toolDirs, false), settings));
    }
    return tool;
  }

  private Tool iptables(String name) {
    return new Tool(name, "install the iptables package (apt-get install iptables, dnf install iptables-nft)", toolDirs);
  }
}
