package dev.poc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A named network's embedded DNS responder, asked from inside its containers with busybox
 * nslookup (which queries the nameserver of the container's resolv.conf, the network's gateway,
 * and reads no hosts file), and the isolation of named networks from each other and from the
 * runtime's own bridge, tried with TCP connections. Every query goes to the test's own bridges;
 * the responder forwards none, so an unknown name gets its answer code from it at once.
 */
class NamedNetworkDnsTest {
  private NetEnv env;
  private List<String> before;

  @BeforeEach
  void setUp() throws Exception {
    before = namedNetworkObjects();
    env = NetEnv.create();
  }

  @AfterEach
  void tearDown() throws Exception {
    env.close(); // prunes: the networks left go too
    assertThat(namedNetworkObjects()).as("bridges, addresses and rules of named networks after prune").isEqualTo(before);
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().equals("poc-dns")) {
        t.join(10_000); // it wakes at the last release and ends
        assertThat(t.isAlive()).as("the DNS responder's thread once no container is on a named network").isFalse();
      }
    }
  }

  @Test
  void whenTheAnsweringRuntimeLetsGoAnotherWithMembersThereTakesOver() throws Exception {
    String net = "m" + env.tag;
    env.rt.createNetwork(net);
    String first = env.name(8);
    String second = env.name(8);
    try (ContainerRuntime other = env.runtime(); // another process's runtime on the same state root
        Container c2 = other.container().name(second).rootfs(Rootfs.directory(TestRootfs.busybox()))
            .network(Network.named(net)).addNetworkAliases("two").stopTimeout(java.time.Duration.ofSeconds(2))
            .command("sleep", "600").start()) {
      String c2Address = c2.address().orElseThrow();
      try (Container c1 = sleeper(first, net, "one").start()) {
        // the other runtime answers (its container came first); it knows this runtime's member too
        String out = exec(c2, lookup("one") + lookup("two"));
        assertThat(section(out, "one")).contains("Address: " + c1.address().orElseThrow());
        assertThat(section(out, "two")).contains("Address: " + c2Address);
      }
      // this runtime's last member left: it never answered; the other one still does
      assertThat(section(exec(c2, lookup(first)), first)).contains("NXDOMAIN");
    }
    try (Container c3 = sleeper(env.name(8), net, "three").start()) {
      String third = c3.name();
      try (ContainerRuntime other = env.runtime();
          Container c4 = other.container().name(env.name(8)).rootfs(Rootfs.directory(TestRootfs.busybox()))
              .network(Network.named(net)).stopTimeout(java.time.Duration.ofSeconds(2)).command("sleep", "600").start()) {
        c3.close(); // the answering runtime's only member: it lets go of the network's lock
        // the other runtime retries the lock while it has a member there, and answers once it has it
        String script = "for i in $(seq 100); do out=$(nslookup " + c4.name() + " 2>&1);"
            + " case \"$out\" in *'Address: " + c4.address().orElseThrow() + "'*) echo \"TAKEN OVER\"; exit 0;; esac;"
            + " sleep 0.2; done; echo \"NOT TAKEN OVER: $out\"";
        assertThat(exec(c4, script)).contains("TAKEN OVER").doesNotContain("NOT");
        assertThat(section(exec(c4, lookup(third)), third)).as("the member that left").contains("NXDOMAIN");
      }
    }
  }

  @Test
  void namesAndAliasesResolveThroughTheGatewayAsMembersComeAndGoAndNothingElseDoes() throws Exception {
    String netA = "a" + env.tag;
    String netB = "b" + env.tag;
    NetworkInfo a = env.rt.createNetwork(netA);
    env.rt.createNetwork(netB);
    String gateway = bridgeAddress(a.bridge());
    String first = env.name(8);
    String other = env.name(8);
    try (Container c1 = sleeper(first, netA, "web").start(); Container inB = sleeper(other, netB, "db").start()) {
      String later = env.name(8);
      String out;
      try (Container c2 = sleeper(later, netA, "cache").start()) {
        out = exec(c2, "cat /etc/resolv.conf;" + lookup(first) + lookup("web") + lookup("WEB.poc.internal")
            + lookup(other) + lookup("db") + lookup("nosuch.poc.internal") + lookup("nosuch.invalid"));
        assertThat(out).contains("nameserver " + gateway).contains("search poc.internal");
        assertThat(section(out, first)).contains("Address: " + c1.address().orElseThrow());
        assertThat(section(out, "web")).contains("Address: " + c1.address().orElseThrow());
        assertThat(section(out, "WEB.poc.internal")).contains("Address: " + c1.address().orElseThrow());
        assertThat(section(out, other)).as("a member of another network").contains("NXDOMAIN")
            .doesNotContain(inB.address().orElseThrow());
        assertThat(section(out, "db")).as("an alias on another network").contains("NXDOMAIN");
        assertThat(section(out, "nosuch.poc.internal")).contains("NXDOMAIN");
        assertThat(section(out, "nosuch.invalid")).as("not ours: refused, never forwarded").contains("REFUSED")
            .doesNotContain("Address: ");
        // the container started later is resolved by the one that was there, by name and alias
        String fromFirst = exec(c1, lookup(later) + lookup("cache"));
        assertThat(section(fromFirst, later)).contains("Address: " + c2.address().orElseThrow());
        assertThat(section(fromFirst, "cache")).contains("Address: " + c2.address().orElseThrow());
      }
      // the one that left no longer resolves
      out = exec(c1, lookup(later) + lookup("cache") + lookup(first));
      assertThat(section(out, later)).contains("NXDOMAIN");
      assertThat(section(out, "cache")).contains("NXDOMAIN");
      assertThat(section(out, first)).contains("Address: " + c1.address().orElseThrow());
    }
    assertThat(NetEnv.run("ss", "-lnu")).as("the responder closed its socket with the last member")
        .doesNotContain(gateway + ":53");
  }

  @Test
  void namedNetworksReachNeitherEachOtherNorTheRuntimesBridgeInEitherDirection() throws Exception {
    String netA = "a" + env.tag;
    String netB = "b" + env.tag;
    env.rt.createNetwork(netA);
    env.rt.createNetwork(netB);
    try (Container serverA = server(env.name(8), Network.named(netA)).start();
        Container serverB = server(env.name(8), Network.named(netB)).start();
        Container serverBridge = server(env.name(8), Network.BRIDGE).start();
        Container clientA = sleeperOn(env.name(8), Network.named(netA)).start();
        Container clientB = sleeperOn(env.name(8), Network.named(netB)).start();
        Container clientBridge = sleeperOn(env.name(8), Network.BRIDGE).start()) {
      String a = serverA.address().orElseThrow();
      String b = serverB.address().orElseThrow();
      String br = serverBridge.address().orElseThrow();
      // each server answers on its own network (retried until it listens): the failures below are the firewall's
      assertThat(exec(clientA, reach(a, "OWN"))).contains("OWN OK");
      assertThat(exec(clientB, reach(b, "OWN"))).contains("OWN OK");
      assertThat(exec(clientBridge, reach(br, "OWN"))).contains("OWN OK");
      assertThat(exec(clientA, once(b, "A-TO-B") + once(br, "A-TO-BRIDGE")))
          .contains("A-TO-B FAILED").contains("A-TO-BRIDGE FAILED");
      assertThat(exec(clientB, once(a, "B-TO-A") + once(br, "B-TO-BRIDGE")))
          .contains("B-TO-A FAILED").contains("B-TO-BRIDGE FAILED");
      assertThat(exec(clientBridge, once(a, "BRIDGE-TO-A") + once(b, "BRIDGE-TO-B")))
          .contains("BRIDGE-TO-A FAILED").contains("BRIDGE-TO-B FAILED");
    }
  }

  private ContainerSpec.Builder sleeper(String name, String network, String alias) throws Exception {
    return sleeperOn(name, Network.named(network)).addNetworkAliases(alias);
  }

  private ContainerSpec.Builder sleeperOn(String name, Network network) throws Exception {
    return env.container(name, network).command("sleep", "600");
  }

  private ContainerSpec.Builder server(String name, Network network) throws Exception {
    return env.container(name, network).command("httpd", "-f", "-p", "8080", "-h", "/etc");
  }

  /**
   * One nslookup of {@code name}, its output between "== name" and "== end". Asked again when no
   * answer came in busybox's few seconds (a loaded machine): the assertions are about the answer.
   */
  private static String lookup(String name) {
    return "echo \"== " + name + "\"; for i in 1 2 3; do out=$(nslookup " + name + " 2>&1);"
        + " case \"$out\" in *'timed out'*) continue;; esac; break; done; echo \"$out\"; echo \"== end\";";
  }

  /** The output of {@code lookup(name)} in {@code out}. */
  private static String section(String out, String name) {
    int start = out.indexOf("== " + name + "\n");
    assertThat(start).as("a lookup of %s in %s", name, out).isGreaterThanOrEqualTo(0);
    return out.substring(start, out.indexOf("== end", start));
  }

  /** Fetches from {@code address}:8080, trying until it answers (a server may not listen yet). */
  private static String reach(String address, String label) {
    return "ok=; for i in $(seq 50); do timeout 3 wget -q -O /dev/null http://" + address + ":8080/hostname && { ok=1; break; };"
        + " sleep 0.1; done; [ -n \"$ok\" ] && echo \"" + label + " OK\" || echo \"" + label + " FAILED\";";
  }

  /** One TCP connection to {@code address}:8080, for what must fail. */
  private static String once(String address, String label) {
    return "timeout 3 wget -q -O /dev/null http://" + address + ":8080/hostname 2>/dev/null && echo \"" + label
        + " REACHED\" || echo \"" + label + " FAILED\";";
  }

  private static String exec(Container member, String script) throws Exception {
    try (ContainerProcess p = member.exec("sh", "-c", script)) {
      String out = new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor();
      return out;
    }
  }

  /** The IPv4 address of {@code bridge} on the host: the network's gateway. */
  private static String bridgeAddress(String bridge) throws Exception {
    String line = NetEnv.run("ip", "-o", "-4", "addr", "show", "dev", bridge);
    return line.split("inet ")[1].split("/")[0];
  }

  /** The host's links, addresses and iptables rules of named networks (pocnK, 10.210/16, POCNK-*). */
  private static List<String> namedNetworkObjects() throws Exception {
    List<String> lines = new ArrayList<>();
    for (String[] cmd : List.of(new String[] {"ip", "-o", "link"}, new String[] {"ip", "-o", "-4", "addr"},
        new String[] {"iptables", "-S"}, new String[] {"iptables", "-t", "nat", "-S"})) {
      for (String line : NetEnv.run(cmd).split("\n")) {
        if (line.contains("pocn") || line.contains("10.210.") || line.contains("POCN")) {
          lines.add(String.join(" ", cmd) + ": " + line.replaceAll("^\\d+: ", ""));
        }
      }
    }
    return lines;
  }
}
