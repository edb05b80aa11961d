package dev.poc.network.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class DnsResponseTest {
  @Test
  void anAnswerEchoesIdAndQuestionAndPointsEachRecordAtTheQuestionsName() throws Exception {
    byte[] q = DnsBytes.query(0x1234, "web", DnsQuery.TYPE_A);
    DnsQuery query = DnsQuery.parse(q, q.length);
    byte[] r = DnsResponse.of(query, q, DnsResponse.NOERROR, true,
        List.of(new byte[] {10, (byte) 210, 0, 2}, new byte[] {10, (byte) 210, 0, 3}), 5);
    assertThat(Arrays.copyOfRange(r, 0, 12)).containsExactly(
        0x12, 0x34, // id
        0x85, 0x00, // QR, AA, RD; RA clear; NOERROR
        0, 1, 0, 2, 0, 0, 0, 0);
    assertThat(Arrays.copyOfRange(r, 12, q.length)).isEqualTo(Arrays.copyOfRange(q, 12, q.length));
    assertThat(Arrays.copyOfRange(r, q.length, q.length + 16)).containsExactly(
        0xc0, 12, // the question's name
        0, 1, 0, 1, // A, IN
        0, 0, 0, 5, // ttl
        0, 4, 10, 210, 0, 2);
    assertThat(r).hasSize(q.length + 32);
    assertThat(DnsQuery.parse(r, r.length).isResponse()).isTrue();
  }

  @Test
  void aRefusalHasNoAnswerAndIsNotAuthoritative() throws Exception {
    byte[] q = DnsBytes.query(7, "nosuch.invalid", DnsQuery.TYPE_A);
    byte[] r = DnsResponse.of(DnsQuery.parse(q, q.length), q, DnsResponse.REFUSED, false, List.of(), 5);
    assertThat(r[2] & 0xff).isEqualTo(0x81);
    assertThat(DnsBytes.rcode(r)).isEqualTo(DnsResponse.REFUSED);
    assertThat(DnsBytes.answerCount(r)).isZero();
    assertThat(r).hasSize(q.length);
  }

  @Test
  void anErrorForAnUnreadableMessageKeepsItsId() {
    assertThat(DnsResponse.error(0xabcd, DnsResponse.FORMERR)).containsExactly(
        0xab, 0xcd, 0x80, 0x01, 0, 0, 0, 0, 0, 0, 0, 0);
  }
}
