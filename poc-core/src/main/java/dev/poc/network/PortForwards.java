package dev.poc.network;

import dev.poc.host.Directories;
import dev.poc.NetworkSettings;
import dev.poc.PortMapping;
import dev.poc.StartFailedException;
import dev.poc.host.Flock;
import dev.poc.host.Tool;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Published ports as kernel DNAT, so they work for as long as the container runs, whichever
 * process started it (a {@code poc run --detach} has exited long before anyone connects).
 *
 * <p>Three chains of poc's own per chain prefix, each reached by one jump: {@code PREFIX-PORTS}
 * (nat, from PREROUTING and OUTPUT) rewrites {@code 127.0.0.1:HOST} and {@code GATEWAY:HOST} to the
 * container's {@code ADDRESS:PORT}; {@code PREFIX-PORTS-SNAT} (nat, from POSTROUTING) masquerades
 * what was so rewritten, so the container answers the gateway rather than a 127.0.0.1 it cannot
 * reach; {@code PREFIX-LOCALNET} (filter, from INPUT) drops what arrives on an interface other
 * than lo for 127.0.0.0/8 unless it is such a connection's reply. The last is needed because
 * loopback-sourced packets may only leave through an interface with {@code route_localnet=1}
 * (set on poc's bridge, or a DEFAULT container's host veth), and that setting alone would let a
 * container reach the host's 127.0.0.1 services (CVE-2020-8558).
 *
 * <p>Every rule of a container carries the comment {@code poc-port:NAME}, and a record
 * {@code /run/poc/net/ports/NAME} holds its host ports and the rules as added. A start checks for
 * clashes against the records and adds its rules in one {@code iptables-restore}; the chains are
 * made (after one {@code iptables-save}) once per runtime, again after a prune (its stamp file
 * {@code PREFIX.ports} is gone) or when they vanished behind poc's back (adding to them failed).
 * Removal (at release, reclaim, rm, prune) deletes the recorded rules, or, when some are gone
 * already, every rule with that comment, whichever chain holds it; it is idempotent. Names are
 * host-wide, so the comment is unambiguous.
 */
final class PortForwards {
  private static final Logger LOG = LoggerFactory.getLogger(PortForwards.class);
  /** The same lock as {@link Firewall}'s: one writer of poc's iptables rules at a time, host-wide. */
  private static final Path LOCK = NetworkSetup.LEASE_DIR.resolve("iptables.lock");
  private static final Path RECORDS = NetworkSetup.LEASE_DIR.resolve("ports");
  private static final String COMMENT = "poc-port:";
  private static final String LOOPBACK = "127.0.0.1";
  private static final int PICK_ATTEMPTS = 50;

  private static final String PORTS_LINE = "ports ";

  private final NetworkSettings settings;
  private final List<Path> toolDirs;
  /** The stamp seen when this object last installed the chains; null before. */
  private volatile String installed;

  PortForwards(NetworkSettings settings) {
    this(settings, Tool.searchDirs());
  }

  PortForwards(NetworkSettings settings, List<Path> toolDirs) {
    this.settings = settings;
    this.toolDirs = List.copyOf(toolDirs);
  }

  String dnatChain() {
    return settings.chainPrefix() + "-PORTS";
  }

  String snatChain() {
    return settings.chainPrefix() + "-PORTS-SNAT";
  }

  String localnetChain() {
    return settings.chainPrefix() + "-LOCALNET";
  }

  /**
   * Publishes {@code ports} of container {@code name} (at {@code address}) on 127.0.0.1 and on
   * {@code gateway}, the host's own address on its network; {@code outInterface} (the bridge or
   * the host veth) gets {@code route_localnet=1}, now if it exists, else by the caller once made.
   * A host port another container publishes, or a host process listens on, is refused naming it.
   *
   * @return container port to host port (a host port of 0 is given a free one)
   */
  Map<Integer, Integer> add(String name, String address, String gateway, List<PortMapping> ports) throws IOException {
    Tool save = tool("iptables-save");
    Tool restore = tool("iptables-restore");
    Map<Integer, Integer> hostPorts = new LinkedHashMap<>();
    withHostLock(() -> {
      Map<Integer, String> taken = recordedPorts();
      Map<String, List<String>> present = null;
      if (!skeletonInstalled()) { // first use, or after a prune: read what is there (a crashed run's rules too)
        present = Firewall.parse(save.output("reading the host's iptables rules", List.of()));
        taken.putAll(published(present.getOrDefault("nat", List.of())));
      }
      List<String> rules = new ArrayList<>();
      for (PortMapping p : ports) {
        int host = p.hostPort() == 0 ? freePort(taken, name, p.containerPort()) : p.hostPort();
        String owner = taken.get(host);
        if (owner != null && !owner.equals(name)) { // believe a record only if its rules are there
          if (present == null) {
            present = Firewall.parse(save.output("reading the host's iptables rules", List.of()));
          }
          Map<Integer, String> inRules = published(present.getOrDefault("nat", List.of()));
          if (!owner.equals(inRules.get(host))) {
            LOG.info("forgetting the published-port record of '{}': its rules are gone", owner);
            Files.deleteIfExists(RECORDS.resolve(owner));
            owner = inRules.get(host);
          }
        }
        if (owner != null) {
          throw new StartFailedException("publishing port " + p.containerPort() + " of '" + name + "' on 127.0.0.1:"
              + host + ": container '" + owner + "' already publishes host port " + host
              + ": pick another host port, or 0 for a free one");
        }
        requireNoListener(host, name, p.containerPort(), gateway);
        taken.put(host, name);
        hostPorts.put(p.containerPort(), host);
        for (String dst : List.of(LOOPBACK, gateway)) {
          rules.add("-A " + dnatChain() + " -d " + dst + "/32 -p tcp -m tcp --dport " + host + comment(name)
              + " -j DNAT --to-destination " + address + ":" + p.containerPort());
        }
        rules.add("-A " + snatChain() + " -d " + address + "/32 -p tcp -m tcp --dport " + p.containerPort()
            + " -m conntrack --ctstate DNAT" + comment(name) + " -j MASQUERADE");
      }
      // The record first: whatever happens next, release knows to look for this container's rules.
      Directories.ensure(RECORDS);
      List<String> record = new ArrayList<>();
      record.add(PORTS_LINE + String.join(" ", hostPorts.values().stream().map(String::valueOf).toList()));
      record.addAll(rules);
      Files.write(RECORDS.resolve(name), record);
      String natRules = String.join("\n", rules) + "\n";
      if (present == null) {
        try { // the usual case: one iptables run per start
          restore.output("adding the published ports of '" + name + "'", List.of("--noflush", "--wait"),
              "*nat\n" + natRules + "COMMIT\n");
          return null;
        } catch (IOException | dev.poc.PocException e) { // a chain went behind poc's back: install what is missing
          LOG.debug("adding the rules of '{}' alone failed, installing poc's port chains: {}", name, e.toString());
          present = Firewall.parse(save.output("reading the host's iptables rules", List.of()));
        }
      }
      restore.output("adding the published ports of '" + name + "'", List.of("--noflush", "--wait"),
          skeletonMissing(present, natRules));
      markSkeletonInstalled();
      return null;
    });
    return hostPorts;
  }

  /** Host port to container, from the records of every container with published ports. */
  private static Map<Integer, String> recordedPorts() throws IOException {
    Map<Integer, String> taken = new LinkedHashMap<>();
    if (!Files.isDirectory(RECORDS)) {
      return taken;
    }
    try (var records = Files.list(RECORDS)) {
      for (Path r : records.toList()) {
        List<String> lines;
        try {
          lines = Files.readAllLines(r);
        } catch (java.nio.file.NoSuchFileException e) {
          continue; // released meanwhile
        }
        if (!lines.isEmpty() && lines.get(0).startsWith(PORTS_LINE)) {
          for (String port : lines.get(0).substring(PORTS_LINE.length()).trim().split(" +")) {
            if (!port.isEmpty()) {
              taken.put(Integer.parseInt(port), r.getFileName().toString());
            }
          }
        }
      }
    }
    return taken;
  }

  /**
   * Whether this object installed the chains and jumps and nobody has pruned them since: the
   * stamp file it wrote (or found) then is still there, unchanged (prune deletes it).
   */
  private boolean skeletonInstalled() throws IOException {
    String seen = installed;
    return seen != null && seen.equals(readStamp());
  }

  private void markSkeletonInstalled() throws IOException {
    String token = readStamp();
    if (token == null) {
      token = Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong());
      Files.writeString(stamp(), token);
    }
    installed = token;
  }

  private String readStamp() throws IOException {
    try {
      return Files.readString(stamp());
    } catch (java.nio.file.NoSuchFileException e) {
      return null;
    }
  }

  private Path stamp() {
    return NetworkSetup.LEASE_DIR.resolve(settings.chainPrefix() + ".ports");
  }

  /**
   * An iptables-restore script: the chains and jumps every published port needs that are not
   * {@code present} (a chain declared again would be flushed), then {@code natRules}. The jumps go
   * first in their built-in chains, so no host rule decides before poc's do.
   */
  private String skeletonMissing(Map<String, List<String>> present, String natRules) {
    List<String> nat = present.getOrDefault("nat", List.of());
    List<String> filter = present.getOrDefault("filter", List.of());
    StringBuilder sb = new StringBuilder("*nat\n");
    for (String chain : List.of(dnatChain(), snatChain())) {
      declare(sb, nat, chain);
    }
    jump(sb, nat, "PREROUTING", dnatChain());
    jump(sb, nat, "OUTPUT", dnatChain());
    jump(sb, nat, "POSTROUTING", snatChain());
    sb.append(natRules).append("COMMIT\n");
    String drop = "-A " + localnetChain() + " -d 127.0.0.0/8 ! -i lo -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP";
    boolean hasDrop = filter.stream().anyMatch(l -> l.startsWith("-A " + localnetChain() + " "));
    boolean hasJump = filter.contains("-A INPUT -j " + localnetChain());
    if (!hasDrop || !hasJump) {
      sb.append("*filter\n");
      declare(sb, filter, localnetChain());
      if (!hasDrop) {
        sb.append(drop).append('\n');
      }
      jump(sb, filter, "INPUT", localnetChain());
      sb.append("COMMIT\n");
    }
    return sb.toString();
  }

  private static void declare(StringBuilder sb, List<String> have, String chain) {
    if (have.stream().noneMatch(h -> h.startsWith(":" + chain + " "))) {
      sb.append(':').append(chain).append(" - [0:0]\n");
    }
  }

  private static void jump(StringBuilder sb, List<String> have, String builtIn, String chain) {
    if (!have.contains("-A " + builtIn + " -j " + chain)) {
      sb.append("-I ").append(builtIn).append(" 1 -j ").append(chain).append('\n');
    }
  }

  /**
   * Lets loopback-sourced (DNATed) packets leave through {@code iface} and their replies come in
   * (see the class comment for why poc also installs the INPUT drop).
   */
  static void allowLocalnet(String iface) throws IOException {
    Path knob = Path.of("/proc/sys/net/ipv4/conf", iface, "route_localnet");
    if (!Files.readString(knob).trim().equals("1")) {
      Files.writeString(knob, "1\n");
    }
  }

  /** Host port to the container that publishes it, from every poc chain of any prefix. */
  static Map<Integer, String> published(List<String> natRules) {
    Map<Integer, String> taken = new LinkedHashMap<>();
    for (String rule : natRules) {
      Optional<String> owner = owner(rule);
      int d = rule.indexOf("--dport ");
      if (owner.isEmpty() || d < 0 || !rule.contains(" -j DNAT ")) {
        continue;
      }
      int port = Integer.parseInt(rule.substring(d + "--dport ".length()).split(" ", 2)[0]);
      taken.put(port, owner.get());
    }
    return taken;
  }

  /** The container a rule's {@code poc-port:NAME} comment names (iptables-save quotes it). */
  static Optional<String> owner(String rule) {
    for (String mark : List.of("--comment " + COMMENT, "--comment \"" + COMMENT)) {
      int at = rule.indexOf(mark);
      if (at >= 0) {
        return Optional.of(rule.substring(at + mark.length()).split("[ \"]", 2)[0]);
      }
    }
    return Optional.empty();
  }

  /** A host port no container publishes and no process of the host listens on. */
  private static int freePort(Map<Integer, String> taken, String name, int containerPort) throws IOException {
    for (int i = 0; i < PICK_ATTEMPTS; i++) {
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
        if (!taken.containsKey(s.getLocalPort())) {
          return s.getLocalPort();
        }
      }
    }
    throw new StartFailedException("publishing port " + containerPort + " of '" + name
        + "': found no free host port in " + PICK_ATTEMPTS + " tries: give a host port of your own");
  }

  /**
   * A DNAT rule would hide a host listener of the same port from local clients without a word, so
   * a port that a host process has bound on 127.0.0.1 or the gateway (or on every address; a
   * named network's DNS responder, say) is refused.
   */
  private static void requireNoListener(int host, String name, int containerPort, String gateway) throws IOException {
    for (String local : List.of(LOOPBACK, gateway)) {
      try (ServerSocket s = new ServerSocket()) {
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getByName(local), host), 1);
      } catch (BindException e) {
        if (!local.equals(LOOPBACK) && notAssigned(e)) {
          continue; // a DEFAULT container's gateway is not on the host until its veth is made: nothing listens there
        }
        throw new StartFailedException("publishing port " + containerPort + " of '" + name + "' on " + local + ":" + host
            + ": a process of the host already listens on port " + host + " (" + e.getMessage()
            + "): pick another host port, or 0 for a free one (ss -ltnp 'sport = :" + host + "' names it)");
      }
    }
  }

  /** EADDRNOTAVAIL: the address is not (yet) one of the host's. */
  private static boolean notAssigned(BindException e) {
    return String.valueOf(e.getMessage()).contains("assign");
  }

  private static String comment(String name) {
    return " -m comment --comment " + COMMENT + name;
  }

  /** Whether {@code name} has (or may have) published ports: its record exists. */
  static boolean recorded(String name) {
    return Files.exists(RECORDS.resolve(name));
  }

  /**
   * Deletes every rule of container {@code name} and its record; nothing when it has no record.
   * Safe to call twice, after a crash, and from any runtime.
   */
  /** Where the rules published for {@code name} are recorded; {@link #remove} acts only when it exists. */
  static Path record(String name) {
    return RECORDS.resolve(name);
  }

  static void remove(String name, List<Path> toolDirs) throws IOException {
    Path record = RECORDS.resolve(name);
    if (!Files.exists(record)) {
      return;
    }
    Tool save = new Tool("iptables-save", INSTALL_HINT, toolDirs);
    Tool restore = new Tool("iptables-restore", INSTALL_HINT, toolDirs);
    if (!save.isInstalled() || !restore.isInstalled()) {
      Files.deleteIfExists(record);
      return;
    }
    withHostLock(() -> {
      List<String> added;
      try {
        added = Files.readAllLines(record).stream().filter(l -> l.startsWith("-A ")).toList();
      } catch (java.nio.file.NoSuchFileException e) {
        return null; // released meanwhile
      }
      if (!added.isEmpty()) {
        StringBuilder fast = new StringBuilder("*nat\n");
        added.forEach(l -> fast.append("-D ").append(l.substring(3)).append('\n'));
        try { // the usual case: the rules as added, deleted in one iptables run
          restore.output("removing the published ports of '" + name + "'", List.of("--noflush", "--wait"),
              fast.append("COMMIT\n").toString());
          Files.deleteIfExists(record);
          return null;
        } catch (IOException | dev.poc.PocException e) { // some are gone already (a prune, a crash halfway): delete what is left
          LOG.debug("deleting the rules of '{}' as added failed, looking them up: {}", name, e.toString());
        }
      }
      Map<String, List<String>> present = Firewall.parse(save.output("reading the host's iptables rules", List.of()));
      String script = deletions(present, name);
      if (!script.isEmpty()) {
        restore.output("removing the published ports of '" + name + "'", List.of("--noflush", "--wait"), script);
      }
      Files.deleteIfExists(record);
      return null;
    });
  }

  /** An iptables-restore script deleting the rules commented {@code poc-port:NAME}. */
  static String deletions(Map<String, List<String>> present, String name) {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, List<String>> t : present.entrySet()) {
      List<String> del = new ArrayList<>();
      for (String rule : t.getValue()) {
        if (rule.startsWith("-A ") && mentions(rule, name)) {
          del.add("-D " + rule.substring(3));
        }
      }
      if (!del.isEmpty()) {
        sb.append('*').append(t.getKey()).append('\n');
        del.forEach(l -> sb.append(l).append('\n'));
        sb.append("COMMIT\n");
      }
    }
    return sb.toString();
  }

  private static boolean mentions(String rule, String name) {
    return owner(rule).filter(name::equals).isPresent();
  }

  /**
   * Removes this prefix's chains and their jumps (after the containers that used them are gone:
   * rules still in them belong to containers whose records are stale, so they go too).
   */
  void prune() throws IOException {
    Tool save = new Tool("iptables-save", INSTALL_HINT, toolDirs);
    Tool restore = new Tool("iptables-restore", INSTALL_HINT, toolDirs);
    if (!save.isInstalled() || !restore.isInstalled()) {
      return;
    }
    withHostLock(() -> {
      Map<String, List<String>> present = Firewall.parse(save.output("reading the host's iptables rules", List.of()));
      Set<String> owners = new TreeSet<>();
      for (String rule : present.getOrDefault("nat", List.of())) {
        if (rule.startsWith("-A " + dnatChain() + " ")) {
          owner(rule).ifPresent(owners::add);
        }
      }
      String script = chainRemoval(present);
      if (!script.isEmpty()) {
        restore.output("removing poc's published-port chains", List.of("--noflush", "--wait"), script);
      }
      Files.deleteIfExists(stamp());
      installed = null;
      for (String owner : owners) {
        Files.deleteIfExists(RECORDS.resolve(owner));
      }
      return null;
    });
  }

  private String chainRemoval(Map<String, List<String>> present) {
    Map<String, List<String>> chains = new java.util.LinkedHashMap<>();
    chains.put("nat", List.of(dnatChain(), snatChain()));
    chains.put("filter", List.of(localnetChain()));
    return Firewall.chainsRemoval(chains, present);
  }

  private static final String INSTALL_HINT = "install the iptables package (apt-get install iptables, dnf install iptables-nft)";

  private Tool tool(String program) {
    Tool t = new Tool(program, INSTALL_HINT, toolDirs);
    if (!t.isInstalled()) {
      throw new StartFailedException("publishing ports needs " + program + ", which is not installed: " + INSTALL_HINT);
    }
    return t;
  }

  private interface Locked {
    Object run() throws IOException;
  }

  private static void withHostLock(Locked body) throws IOException {
    Directories.ensure(LOCK.getParent());
    try (Flock held = Flock.lock(LOCK)) {
      body.run();
    }
  }
}
