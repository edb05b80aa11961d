package dev.poc.network;

import dev.poc.Network;
import dev.poc.NetworkSettings;
import dev.poc.StartFailedException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FirewallTest {
  private final NetworkSettings settings = NetworkSettings.builder().chainPrefix("PX").bridgeName("pxbr")
      .defaultSubnet("10.50.0.0/16").bridgeSubnet("10.51.0.0/16").build();

  @Test
  void aNamedNetworkDropsWhatLeavesItsBridgeForTheRestOfThePoolBeforeAcceptingTheRest() {
    NetworkSettings n3 = UserNetworks.settings(3);
    assertThat(n3.bridgeName()).isEqualTo("pocn3");
    assertThat(n3.bridgeSubnet()).isEqualTo("10.210.48.0/20");
    String script = Firewall.missing(Map.of(),
        Firewall.wanted(n3, Optional.of("eth0"), Ipv4Subnet.parse(UserNetworks.POOL, "pool"), settings));
    assertThat(script).isEqualTo(String.join("\n",
        "*filter",
        ":POCN3-INPUT - [0:0]",
        "-I INPUT 1 -j POCN3-INPUT",
        "-A POCN3-INPUT -d 10.210.49.1/32 -i pocn3 -p udp -m udp --dport 53 -j ACCEPT",
        "-A POCN3-INPUT -d 10.210.49.1/32 -i pocn3 -p tcp -m tcp --dport 53 -j ACCEPT",
        ":POCN3-FORWARD - [0:0]",
        "-I FORWARD 1 -j POCN3-FORWARD",
        "-A POCN3-FORWARD -d 10.210.0.0/16 -i pocn3 ! -o pocn3 -j DROP",
        "-A POCN3-FORWARD -d 10.51.0.0/16 -i pocn3 -j DROP",
        "-A POCN3-FORWARD -d 10.50.0.0/16 -i pocn3 -j DROP",
        "-A POCN3-FORWARD -i pocn3 -j ACCEPT",
        "-A POCN3-FORWARD -o pocn3 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
        "COMMIT",
        "*nat",
        ":POCN3-POSTROUTING - [0:0]",
        "-I POSTROUTING 1 -j POCN3-POSTROUTING",
        "-A POCN3-POSTROUTING -s 10.210.48.0/20 ! -d 10.210.48.0/20 -j MASQUERADE",
        "COMMIT", ""));
  }

  @Test
  void installsChainsJumpsAndRulesThatAreMissing() {
    String script = Firewall.missing(Map.of(), Firewall.wanted(settings, Optional.of("eth0")));
    assertThat(script).isEqualTo(String.join("\n",
        "*filter",
        ":PX-FORWARD - [0:0]",
        "-I FORWARD 1 -j PX-FORWARD",
        "-A PX-FORWARD -s 10.50.0.0/16 -d 10.210.0.0/16 -j DROP",
        "-A PX-FORWARD -d 10.210.0.0/16 -i pxbr -j DROP",
        "-A PX-FORWARD -s 10.50.0.0/16 -j ACCEPT",
        "-A PX-FORWARD -d 10.50.0.0/16 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
        "-A PX-FORWARD -i pxbr -j ACCEPT",
        "-A PX-FORWARD -o pxbr -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
        "COMMIT",
        "*nat",
        ":PX-POSTROUTING - [0:0]",
        "-I POSTROUTING 1 -j PX-POSTROUTING",
        "-A PX-POSTROUTING -s 10.51.0.0/16 ! -d 10.51.0.0/16 -j MASQUERADE",
        "-A PX-POSTROUTING -s 10.50.0.0/16 -o eth0 -j MASQUERADE",
        "COMMIT", ""));
  }

  @Test
  void addsNothingWhenAllIsThere() {
    Map<String, List<String>> wanted = Firewall.wanted(settings, Optional.of("eth0"));
    String save = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:PX-FORWARD - [0:0]\n"
        + String.join("\n", wanted.get("filter").subList(1, 8)) + "\nCOMMIT\n*nat\n:PX-POSTROUTING - [0:0]\n"
        + String.join("\n", wanted.get("nat").subList(1, 4)) + "\nCOMMIT\n";
    assertThat(Firewall.missing(Firewall.parse(save), wanted)).isEmpty();
  }

  @Test
  void dropsMissingFromAChainAnEarlierPocMadeGoBeforeItsAccepts() {
    String save = "*filter\n:FORWARD ACCEPT [0:0]\n:PX-FORWARD - [0:0]\n-A FORWARD -j PX-FORWARD\n"
        + "-A PX-FORWARD -s 10.50.0.0/16 -j ACCEPT\n"
        + "-A PX-FORWARD -d 10.50.0.0/16 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
        + "-A PX-FORWARD -i pxbr -j ACCEPT\n"
        + "-A PX-FORWARD -o pxbr -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\nCOMMIT\n"
        + "*nat\n:PX-POSTROUTING - [0:0]\n-A POSTROUTING -j PX-POSTROUTING\n"
        + "-A PX-POSTROUTING -s 10.51.0.0/16 ! -d 10.51.0.0/16 -j MASQUERADE\n"
        + "-A PX-POSTROUTING -s 10.50.0.0/16 -o eth0 -j MASQUERADE\nCOMMIT\n";
    assertThat(Firewall.missing(Firewall.parse(save), Firewall.wanted(settings, Optional.of("eth0"))))
        .isEqualTo(String.join("\n", "*filter",
            "-I PX-FORWARD 1 -s 10.50.0.0/16 -d 10.210.0.0/16 -j DROP",
            "-I PX-FORWARD 1 -d 10.210.0.0/16 -i pxbr -j DROP",
            "COMMIT", ""));
  }

  @Test
  void withoutADefaultRouteOnlyTheBridgeIsMasqueraded() {
    assertThat(Firewall.missing(Map.of(), Firewall.wanted(settings, Optional.empty())))
        .contains("-s 10.51.0.0/16 ! -d 10.51.0.0/16 -j MASQUERADE").doesNotContain("-o eth0");
  }

  @Test
  void pruneRemovesOnlyPocsJumpsAndChains() {
    String save = "*filter\n:FORWARD ACCEPT [0:0]\n:PX-FORWARD - [0:0]\n:OTHER - [0:0]\n"
        + "-A FORWARD -j PX-FORWARD\n-A FORWARD -j OTHER\n-A FORWARD -i eth0 -j PX-FORWARD\n"
        + "-A PX-FORWARD -s 10.50.0.0/16 -j ACCEPT\n-A OTHER -j PX-FORWARD-NOT\nCOMMIT\n"
        + "*nat\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -j MASQUERADE\nCOMMIT\n";
    assertThat(new Firewall(settings).removal(Firewall.parse(save))).isEqualTo(String.join("\n",
        "*filter", "-D FORWARD -j PX-FORWARD", "-D FORWARD -i eth0 -j PX-FORWARD", "-F PX-FORWARD", "-X PX-FORWARD",
        "COMMIT", ""));
  }

  @Test
  void pruneRemovesANamedNetworksInputChainToo() {
    String save = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:PX-INPUT - [0:0]\n:PX-FORWARD - [0:0]\n"
        + "-A INPUT -j PX-INPUT\n-A FORWARD -j PX-FORWARD\n"
        + "-A PX-INPUT -d 10.51.1.1/32 -i pxbr -p udp -m udp --dport 53 -j ACCEPT\nCOMMIT\n";
    assertThat(new Firewall(settings).removal(Firewall.parse(save))).isEqualTo(String.join("\n",
        "*filter", "-D FORWARD -j PX-FORWARD", "-D INPUT -j PX-INPUT", "-F PX-FORWARD", "-X PX-FORWARD",
        "-F PX-INPUT", "-X PX-INPUT", "COMMIT", ""));
  }

  @Test
  void missingIptablesIsAClearError(@TempDir Path empty) {
    assertThatThrownBy(() -> new Firewall(settings, List.of(empty)).ensure(Network.BRIDGE))
        .isInstanceOf(StartFailedException.class)
        .hasMessageContaining("network net-bridge needs iptables: iptables is not installed")
        .hasMessageContaining("apt-get install iptables").hasMessageContaining("or use net-disabled");
  }
}
