package dev.poc.network.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DnsQueryTest {
  @Test
  void readsTheHeaderAndTheQuestion() throws Exception {
    byte[] q = DnsBytes.query(0xbeef, "Web.poc.internal", DnsQuery.TYPE_A);
    DnsQuery query = DnsQuery.parse(q, q.length);
    assertThat(query.id()).isEqualTo(0xbeef);
    assertThat(query.isResponse()).isFalse();
    assertThat(query.opcode()).isZero();
    assertThat(query.recursionDesired()).isTrue();
    assertThat(query.questionCount()).isEqualTo(1);
    assertThat(query.name()).isEqualTo("web.poc.internal");
    assertThat(query.type()).isEqualTo(DnsQuery.TYPE_A);
    assertThat(query.qclass()).isEqualTo(DnsQuery.CLASS_IN);
    assertThat(query.questionEnd()).isEqualTo(q.length);
  }

  @Test
  void aShortOrCutMessageIsAFormatError() {
    assertThatThrownBy(() -> DnsQuery.parse(new byte[5], 5)).isInstanceOf(DnsFormatException.class)
        .hasMessageContaining("12-byte header");
    byte[] q = DnsBytes.query(1, "web", DnsQuery.TYPE_A);
    assertThatThrownBy(() -> DnsQuery.parse(q, q.length - 2)).hasMessageContaining("type and class are cut off");
    assertThat(DnsQuery.idOf(q, 1)).isEqualTo(-1);
    assertThat(DnsQuery.idOf(q, 5)).isEqualTo(1);
  }

  @Test
  void aMessageWithoutAQuestionHasAnEmptyOne() throws Exception {
    byte[] q = {0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    DnsQuery query = DnsQuery.parse(q, q.length);
    assertThat(query.questionCount()).isZero();
    assertThat(query.name()).isEmpty();
  }
}
