package dev.poc.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HostRoutesTest {
  private static final String HEADER = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT";

  @Test
  void findsTheDefaultRouteWithTheLowestMetric() {
    List<String> table = List.of(HEADER,
        "wlan0\t00000000\t0102A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0",
        "eth0\t00000000\t010011AC\t0003\t0\t0\t100\t00000000\t0\t0\t0",
        "eth0\t000011AC\t00000000\t0001\t0\t0\t100\t0000FFFF\t0\t0\t0");
    assertThat(HostRoutes.defaultInterface(table)).contains("eth0");
  }

  @Test
  void noDefaultRouteIsNoInterface() {
    assertThat(HostRoutes.defaultInterface(List.of(HEADER,
        "eth0\t000011AC\t00000000\t0001\t0\t0\t100\t0000FFFF\t0\t0\t0"))).isEqualTo(Optional.empty());
    assertThat(HostRoutes.defaultInterface(List.of())).isEmpty();
  }

  @Test
  void readsThisHostsTable() {
    // Whatever the machine has, the answer names an existing interface or nothing.
    HostRoutes.defaultInterface().ifPresent(i -> assertThat(java.nio.file.Path.of("/sys/class/net", i)).exists());
  }
}
