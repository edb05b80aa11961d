package dev.poc.network.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

class DnsNameTest {
  @Test
  void readsLabelsInLowerCaseAndSaysWhereTheNameEnds() throws Exception {
    byte[] msg = {3, 'W', 'e', 'b', 3, 'p', 'o', 'c', 0, 9, 9};
    DnsName.Read r = DnsName.read(msg, msg.length, 0);
    assertThat(r.name()).isEqualTo("web.poc");
    assertThat(r.end()).isEqualTo(9);
  }

  @Test
  void followsAPointerAndEndsRightAfterIt() throws Exception {
    // "db.poc" at 0, then "x" + pointer to offset 3 ("poc") at 8
    byte[] msg = {2, 'd', 'b', 3, 'p', 'o', 'c', 0, 1, 'x', (byte) 0xc0, 3, 7};
    DnsName.Read r = DnsName.read(msg, msg.length, 8);
    assertThat(r.name()).isEqualTo("x.poc");
    assertThat(r.end()).isEqualTo(12);
  }

  @Test
  void theRootIsTheEmptyName() throws Exception {
    assertThat(DnsName.read(new byte[] {0}, 1, 0)).isEqualTo(new DnsName.Read("", 1));
  }

  @Test
  void refusesPointersThatLoopAndNamesThatRunPastTheEnd() {
    byte[] loop = {(byte) 0xc0, 0};
    assertThatThrownBy(() -> DnsName.read(loop, loop.length, 0)).isInstanceOf(DnsFormatException.class)
        .hasMessageContaining("loop");
    byte[] cut = {5, 'a', 'b'};
    assertThatThrownBy(() -> DnsName.read(cut, cut.length, 0)).hasMessageContaining("runs past");
    byte[] unterminated = {1, 'a'};
    assertThatThrownBy(() -> DnsName.read(unterminated, unterminated.length, 0)).hasMessageContaining("past the message's end");
    byte[] extended = {0x41, 0};
    assertThatThrownBy(() -> DnsName.read(extended, extended.length, 0)).hasMessageContaining("not supported");
  }

  @Test
  void writesLabelsAndTheClosingZero() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DnsName.write("a.bc", out);
    assertThat(out.toByteArray()).containsExactly(1, 'a', 2, 'b', 'c', 0);
    assertThatThrownBy(() -> DnsName.write("a..b", new ByteArrayOutputStream())).hasMessageContaining("1 to 63");
  }
}
