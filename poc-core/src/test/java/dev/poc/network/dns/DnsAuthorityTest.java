package dev.poc.network.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DnsAuthorityTest {
  private static final Map<String, List<String>> NAMES = Map.of(
      "web1", List.of("10.210.0.2"),
      "web", List.of("10.210.0.2", "10.210.0.3"));

  private static DnsAuthority.Reply reply(String name, int type) throws Exception {
    byte[] q = DnsBytes.query(1, name, type);
    return DnsAuthority.reply(DnsQuery.parse(q, q.length), NAMES);
  }

  @Test
  void aMembersNameOrAliasGetsItsAddressesBareOrUnderPocsDomain() throws Exception {
    assertThat(reply("web1", DnsQuery.TYPE_A).addresses()).containsExactly(new byte[] {10, (byte) 210, 0, 2});
    assertThat(reply("WEB.poc.internal", DnsQuery.TYPE_A).addresses()).hasSize(2);
    assertThat(reply("web", DnsQuery.TYPE_A).authoritative()).isTrue();
  }

  @Test
  void aMembersNameAskedForAnotherTypeExistsWithoutRecords() throws Exception {
    DnsAuthority.Reply r = reply("web1", DnsQuery.TYPE_AAAA);
    assertThat(r.rcode()).isEqualTo(DnsResponse.NOERROR);
    assertThat(r.addresses()).isEmpty();
  }

  @Test
  void anUnknownNameOfTheNetworkIsNxdomainAndAnyOtherNameIsRefused() throws Exception {
    assertThat(reply("nosuch", DnsQuery.TYPE_A).rcode()).isEqualTo(DnsResponse.NXDOMAIN);
    assertThat(reply("nosuch.poc.internal", DnsQuery.TYPE_A).rcode()).isEqualTo(DnsResponse.NXDOMAIN);
    assertThat(reply("web1.other.poc.internal", DnsQuery.TYPE_A).rcode()).isEqualTo(DnsResponse.NXDOMAIN);
    DnsAuthority.Reply refused = reply("nosuch.invalid", DnsQuery.TYPE_A);
    assertThat(refused.rcode()).isEqualTo(DnsResponse.REFUSED);
    assertThat(refused.authoritative()).isFalse();
    assertThat(reply("web1.example.com", DnsQuery.TYPE_A).rcode()).as("never looked up elsewhere")
        .isEqualTo(DnsResponse.REFUSED);
  }

  @Test
  void answersAreNeverSentToAnswersAndBrokenQueriesGetFormerr() {
    byte[] q = DnsBytes.query(9, "web", DnsQuery.TYPE_A);
    q[2] |= (byte) 0x80; // QR: a response
    assertThat(DnsAuthority.respond(q, q.length, NAMES)).isNull();
    byte[] cut = DnsBytes.query(9, "web", DnsQuery.TYPE_A);
    byte[] r = DnsAuthority.respond(cut, 14, NAMES);
    assertThat(DnsBytes.rcode(r)).isEqualTo(DnsResponse.FORMERR);
    assertThat(DnsAuthority.respond(cut, 1, NAMES)).isNull();
  }

  @Test
  void otherOpcodesAreNotImplemented() throws Exception {
    byte[] q = DnsBytes.query(3, "web", DnsQuery.TYPE_A);
    q[2] = (byte) (q[2] | (4 << 3)); // NOTIFY
    byte[] r = DnsAuthority.respond(q, q.length, NAMES);
    assertThat(DnsBytes.rcode(r)).isEqualTo(DnsResponse.NOTIMP);
  }
}
