package dev.poc;

import dev.poc.network.Ipv4Subnet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NetworkSettingsTest {

  @Test
  void defaultsAreTheSeeds() {
    NetworkSettings s = NetworkSettings.defaults();
    assertThat(s.defaultSubnet()).isEqualTo("10.200.0.0/16");
    assertThat(s.bridgeName()).isEqualTo("pocbr0");
    assertThat(s.bridgeSubnet()).isEqualTo("10.100.0.0/16");
    assertThat(s.bridgeGateway()).isEqualTo("10.100.1.1");
    assertThat(s.forwardChain()).isEqualTo("POC-FORWARD");
    assertThat(s.postroutingChain()).isEqualTo("POC-POSTROUTING");
    assertThat(s.defaultPool().address(7, 2)).isEqualTo("10.200.7.2");
    assertThat(s.defaultPool().slots()).isEqualTo(256);
  }

  @Test
  void everySettingCanBeChanged() {
    NetworkSettings s = NetworkSettings.builder().defaultSubnet("172.30.0.0/20").bridgeSubnet("172.31.0.0/22")
        .bridgeName("br-test").chainPrefix("T1").build();
    assertThat(s.bridgeGateway()).isEqualTo("172.31.1.1");
    assertThat(s.defaultPool().slots()).isEqualTo(16);
    assertThat(s.forwardChain()).isEqualTo("T1-FORWARD");
  }

  @Test
  void badSubnetsAreRefusedWithTheReason() {
    assertThatThrownBy(() -> NetworkSettings.builder().defaultSubnet("10.200.0.0").build())
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("no prefix length");
    assertThatThrownBy(() -> NetworkSettings.builder().defaultSubnet("10.200.1.0/16").build())
        .hasMessageContaining("host bits set").hasMessageContaining("10.200.0.0/16");
    assertThatThrownBy(() -> NetworkSettings.builder().defaultSubnet("10.300.0.0/16").build())
        .hasMessageContaining("not an IPv4 address");
    assertThatThrownBy(() -> NetworkSettings.builder().defaultSubnet("10.200.0.0/25").build())
        .hasMessageContaining("/8 to /24");
    assertThatThrownBy(() -> NetworkSettings.builder().bridgeSubnet("10.100.0.0/24").build())
        .hasMessageContaining("smaller than /23");
    assertThatThrownBy(() -> NetworkSettings.builder().defaultSubnet("10.0.0.0/8").build())
        .hasMessageContaining("overlaps bridge subnet");
  }

  @Test
  void badNamesAreRefused() {
    assertThatThrownBy(() -> NetworkSettings.builder().bridgeName("a-very-long-bridge").build())
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("1 to 15");
    assertThatThrownBy(() -> NetworkSettings.builder().bridgeName("br/0").build())
        .hasMessageContaining("not a valid interface name");
    assertThatThrownBy(() -> NetworkSettings.builder().chainPrefix("WAY-TOO-LONG-PREFIX").build())
        .hasMessageContaining("28 characters");
    assertThatThrownBy(() -> NetworkSettings.builder().chainPrefix("A B").build())
        .hasMessageContaining("chain prefix");
  }

  @Test
  void subnetArithmetic() {
    Ipv4Subnet s = Ipv4Subnet.parse("10.200.0.0/16", "t");
    assertThat(s.overlaps(Ipv4Subnet.parseAddress("10.200.9.9", "t"), 32)).isTrue();
    assertThat(s.overlaps(Ipv4Subnet.parseAddress("10.0.0.0", "t"), 8)).isTrue();
    assertThat(s.overlaps(Ipv4Subnet.parseAddress("10.201.0.0", "t"), 16)).isFalse();
    assertThat(s.slotOverlaps(3, Ipv4Subnet.parseAddress("10.200.3.1", "t"), 24)).isTrue();
    assertThat(s.slotOverlaps(4, Ipv4Subnet.parseAddress("10.200.3.1", "t"), 24)).isFalse();
    assertThat(s.slotOverlaps(4, Ipv4Subnet.parseAddress("10.200.0.0", "t"), 16)).isTrue();
    assertThat(Ipv4Subnet.parse("192.168.0.0/23", "t").address(1, 255)).isEqualTo("192.168.1.255");
  }
}
