package dev.poc.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** How poc reads its published-port rules back from iptables-save: owners, ports and deletions. */
class PortForwardsTest {
  private static final String SAVE = """
      *nat
      :PREROUTING ACCEPT [0:0]
      :POC-PORTS - [0:0]
      :OTHER-PORTS - [0:0]
      -A PREROUTING -j POC-PORTS
      -A POC-PORTS -d 127.0.0.1/32 -p tcp -m tcp --dport 8080 -m comment --comment "poc-port:web" -j DNAT --to-destination 10.100.1.2:80
      -A POC-PORTS -d 10.100.1.1/32 -p tcp -m tcp --dport 8080 -m comment --comment "poc-port:web" -j DNAT --to-destination 10.100.1.2:80
      -A OTHER-PORTS -d 127.0.0.1/32 -p tcp -m tcp --dport 9090 -m comment --comment poc-port:web2 -j DNAT --to-destination 10.101.1.2:90
      -A POC-PORTS-SNAT -d 10.100.1.2/32 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT -m comment --comment "poc-port:web" -j MASQUERADE
      -A PREROUTING -p tcp -m tcp --dport 7070 -m comment --comment "someone else's" -j DNAT --to-destination 10.0.0.9:70
      COMMIT
      """;

  @Test
  void everyPocChainsDnatRuleNamesItsHostPortAndContainer() {
    Map<Integer, String> taken = PortForwards.published(Firewall.parse(SAVE).get("nat"));
    assertThat(taken).containsExactlyInAnyOrderEntriesOf(Map.of(8080, "web", 9090, "web2"));
  }

  @Test
  void deletionTakesEveryRuleOfThatContainerAndNoOtherWhoseNameStartsAlike() {
    String script = PortForwards.deletions(Firewall.parse(SAVE), "web");
    assertThat(script.lines().filter(l -> l.startsWith("-D "))).hasSize(3).allMatch(l -> l.contains("poc-port:web\""));
    assertThat(script).doesNotContain("web2", "someone else's");
    assertThat(PortForwards.deletions(Firewall.parse(SAVE), "we")).isEmpty();
  }

  @Test
  void theOwnerIsReadQuotedOrNot() {
    assertThat(PortForwards.owner("-A X -m comment --comment poc-port:a-1 -j DNAT")).contains("a-1");
    assertThat(PortForwards.owner("-A X -m comment --comment \"poc-port:a-1\" -j DNAT")).contains("a-1");
    assertThat(PortForwards.owner("-A X -j DNAT")).isEmpty();
  }
}
