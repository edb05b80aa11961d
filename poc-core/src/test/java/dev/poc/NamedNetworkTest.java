package dev.poc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * User-defined networks end to end: two networks, three servers, clients that fetch a server's
 * /etc/hostname by its name and alias. Packets go only to the networks' own bridges; a name no
 * member has fails inside the container (the network's own responder refuses it, and forwards nothing).
 */
class NamedNetworkTest {
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
  }

  @Test
  void membersReachEachOtherByNameAndAliasNeverAcrossNetworksAndNamesFollowReplacements() throws Exception {
    String netA = "a" + env.tag;
    String netB = "b" + env.tag;
    NetworkInfo a = env.rt.createNetwork(netA);
    NetworkInfo b = env.rt.createNetwork(netB);
    assertThat(a.subnet()).isNotEqualTo(b.subnet()).startsWith("10.210.");
    assertThat(a.bridge()).isNotEqualTo(b.bridge());
    assertThat(env.rt.networks()).extracting(NetworkInfo::name).contains(netA, netB);
    assertThatThrownBy(() -> env.rt.createNetwork(netA)).hasMessageContaining("network '" + netA + "' exists already");
    assertThat(NetEnv.run("ip", "-o", "link", "show", a.bridge())).contains(a.bridge());

    String web1 = env.name(8);
    String other = env.name(8);
    try (Container w1 = server(web1, netA, "web").start(); Container o = server(other, netB, "db").start();
        Container watcher = env.container(env.name(8), Network.named(netA)).command("sleep", "600").start()) {
      NetworkInfo withMembers = env.rt.networks().stream().filter(n -> n.name().equals(netA)).findFirst().orElseThrow();
      assertThat(withMembers.containers()).containsExactlyInAnyOrder(web1, watcher.name());
      // within B: by name and by alias (retried until httpd listens: this also proves it is up)
      String inB = clientOutput(netB, reach("http://" + other + ":8080/hostname", "B-NAME")
          + reach("http://db:8080/hostname", "B-ALIAS"));
      assertThat(inB).contains("B-NAME OK " + other).contains("B-ALIAS OK " + other);

      String otherAddress = o.address().orElseThrow();
      String inA = execOutput(watcher, reach("http://" + web1 + ":8080/hostname", "A-NAME")
          + reach("http://web:8080/hostname", "A-ALIAS")
          + once("http://" + other + ":8080/hostname", "CROSS-NAME")
          + once("http://db:8080/hostname", "CROSS-ALIAS")
          + once("http://" + otherAddress + ":8080/hostname", "CROSS-ADDRESS")
          + "cat /etc/resolv.conf;");
      assertThat(inA).contains("A-NAME OK " + web1).contains("A-ALIAS OK " + web1)
          .contains("CROSS-NAME FAILED").contains("CROSS-ALIAS FAILED").contains("CROSS-ADDRESS FAILED")
          .contains("nameserver 10.210."); // the network's gateway (NamedNetworkDnsTest)

      // web1 goes; web2 takes over its alias: the hosts file of the member that stayed follows
      w1.close();
      String web2 = env.name(8);
      try (Container w2 = server(web2, netA, "web").start()) {
        String after = execOutput(watcher, reach("http://web:8080/hostname", "ALIAS")
            + once("http://" + web1 + ":8080/hostname", "OLD") + "cat /etc/hosts;");
        assertThat(after).contains("ALIAS OK " + web2).contains("OLD FAILED");
        assertThatThrownBy(() -> env.rt.removeNetwork(netA)).hasMessageContaining("still has containers")
            .hasMessageContaining(web2);
      }
    }
    env.rt.removeNetwork(netA);
    assertThat(env.rt.networks()).extracting(NetworkInfo::name).doesNotContain(netA).contains(netB);
    assertThat(NetEnv.run("ip", "-o", "link", "show", a.bridge())).doesNotContain("master").contains("does not exist");
    assertThatThrownBy(() -> env.rt.removeNetwork(netA)).hasMessageContaining("no network '" + netA + "'");
  }

  @Test
  void aNetworkWhoseStateRootWasDeletedIsReclaimedByTheNextCreate() throws Exception {
    java.nio.file.Path goneRoot = TestRootfs.stateRoot();
    NetworkInfo orphan;
    try (ContainerRuntime gone = ContainerRuntime.builder().stateRoot(goneRoot).network(env.settings).build()) {
      orphan = gone.createNetwork("o" + env.tag);
    }
    dev.poc.launch.Release.deleteTree(goneRoot); // its record goes; its bridge and rules stay on the host
    assertThat(NetEnv.run("ip", "-o", "link", "show", orphan.bridge())).doesNotContain("does not exist");
    NetworkInfo next = env.rt.createNetwork("n" + env.tag);
    assertThat(next.bridge()).as("the lowest free number, the orphan's, is taken back").isEqualTo(orphan.bridge());
    assertThat(next.subnet()).isEqualTo(orphan.subnet());
    env.rt.removeNetwork(next.name());
    assertThat(NetEnv.run("ip", "-o", "link", "show", orphan.bridge())).contains("does not exist");
  }

  @Test
  void aliasesNeedANamedNetworkAndAStartOnAMissingNetworkSaysSo() throws Exception {
    assertThatThrownBy(() -> env.container(env.name(8), Network.BRIDGE).addNetworkAliases("x").command("true").build())
        .hasMessageContaining("aliases need a named network");
    assertThatThrownBy(() -> env.container(env.name(8), Network.named("none" + env.tag)).command("true").start())
        .hasMessageContaining("no network 'none" + env.tag + "'").hasMessageContaining("poc network create");
  }

  private ContainerSpec.Builder server(String name, String network, String alias) throws Exception {
    return env.container(name, Network.named(network)).addNetworkAliases(alias)
        .command("httpd", "-f", "-p", "8080", "-h", "/etc");
  }

  /** Fetches {@code url}, trying until it answers (a server may not listen yet); prints {@code label OK body}. */
  private static String reach(String url, String label) {
    return "ok=; for i in $(seq 50); do out=$(timeout 3 wget -q -O - " + url + ") && { ok=1; break; }; sleep 0.1; done;"
        + " [ -n \"$ok\" ] && echo \"" + label + " OK $out\" || echo \"" + label + " FAILED\";";
  }

  /** Fetches {@code url} once, for what must fail (after a server proved it is up). */
  private static String once(String url, String label) {
    return "out=$(timeout 3 wget -q -O - " + url + " 2>/dev/null) && echo \"" + label + " REACHED $out\" || echo \"" + label + " FAILED\";";
  }

  private static String execOutput(Container member, String script) throws Exception {
    try (ContainerProcess p = member.exec("sh", "-c", script)) {
      String out = new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor();
      return out;
    }
  }

  private String clientOutput(String network, String script) throws Exception {
    try (Container c = env.container(env.name(8), Network.named(network)).command("sh", "-c", script).start()) {
      String out = new String(c.stdout().readAllBytes(), StandardCharsets.UTF_8);
      c.waitFor();
      return out;
    }
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
