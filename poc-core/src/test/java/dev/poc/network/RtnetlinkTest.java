package dev.poc.network;

import dev.poc.NetEnv;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/** The netlink requests on the real kernel, on a bridge of the test's own (no traffic at all). */
class RtnetlinkTest {
  private final String name = "rtnlt" + Integer.toHexString(0x10000 + ThreadLocalRandom.current().nextInt(0xeffff));

  @Test
  void createsFindsAddressesAndDeletesALink() throws Exception {
    try (Rtnetlink nl = Rtnetlink.open()) {
      assertThat(nl.link(name)).isEmpty();
      nl.createBridge(name);
      try {
        Rtnetlink.Link link = nl.link(name).orElseThrow();
        assertThat(link.index()).isPositive();
        assertThat(link.alias()).isEmpty();
        nl.setAlias(link.index(), "poc:test");
        assertThat(nl.link(name).orElseThrow().alias()).isEqualTo("poc:test");
        int address = Ipv4Subnet.parseAddress("10.254.77.1", "t");
        nl.addAddress(link.index(), address, 24);
        assertThat(nl.addresses()).contains(new Rtnetlink.Address(link.index(), address, 24));
        assertThat(NetEnv.run("ip", "-o", "-4", "addr", "show", "dev", name)).contains("inet 10.254.77.1/24");
        assertThat(NetEnv.run("ip", "-o", "link", "show", name)).contains("alias poc:test").contains("UP");
        assertThatThrownBy(() -> nl.createBridge(name)).isInstanceOf(Rtnetlink.NetlinkException.class)
            .hasMessageContaining("File exists")
            .satisfies(e -> assertThat(((Rtnetlink.NetlinkException) e).errno()).isEqualTo(Rtnetlink.EEXIST));
      } finally {
        assertThat(nl.deleteLink(name)).isTrue();
      }
      assertThat(nl.deleteLink(name)).as("deleting what is gone").isFalse();
      assertThat(nl.link(name)).isEmpty();
      assertThat(nl.addresses()).noneMatch(a -> a.address() == Ipv4Subnet.parseAddress("10.254.77.1", "t"));
    }
  }

  @Test
  void aRefusedRequestSaysWhy() throws Exception {
    try (Rtnetlink nl = Rtnetlink.open()) {
      assertThatThrownBy(() -> nl.createVeth(name, "x" + name, 1, 999_999)) // no such master
          .isInstanceOf(Rtnetlink.NetlinkException.class).hasMessageContaining("Invalid argument");
      assertThatThrownBy(() -> nl.createBridge(name + "-far-too-long")) // the kernel explains this one
          .isInstanceOf(Rtnetlink.NetlinkException.class).hasMessageContaining("Attribute failed policy validation");
      assertThat(nl.link(name)).isEmpty();
    }
  }
}
