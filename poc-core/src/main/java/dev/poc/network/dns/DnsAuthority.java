package dev.poc.network.dns;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the responder of one named network says to a query, as pure logic: A records for the
 * names of that network's members (container name, hostname, aliases), bare or under
 * {@value #DOMAIN}; NXDOMAIN for any other single-label name or name under {@value #DOMAIN};
 * REFUSED for every other name, because it answers for its own network only and never asks
 * anyone else.
 */
public final class DnsAuthority {
  /** poc's own search domain: {@code web} and {@code web.poc.internal} are the same member. */
  public static final String DOMAIN = "poc.internal";
  /** Seconds a client may keep an answer: short, since members come and go. */
  static final int TTL = 5;

  private DnsAuthority() {}

  /** A decision: the response code, whether authoritative, and the IPv4 addresses to return. */
  public record Reply(int rcode, boolean authoritative, List<byte[]> addresses) {
    static Reply of(int rcode) {
      return new Reply(rcode, rcode != DnsResponse.REFUSED && rcode != DnsResponse.NOTIMP
          && rcode != DnsResponse.FORMERR, List.of());
    }
  }

  /**
   * The reply to {@code query} when the network's members answer to {@code names} (lower-case
   * name to addresses in dotted form).
   */
  public static Reply reply(DnsQuery query, Map<String, List<String>> names) {
    if (query.opcode() != 0) {
      return Reply.of(DnsResponse.NOTIMP);
    }
    if (query.questionCount() != 1) {
      return Reply.of(DnsResponse.FORMERR);
    }
    if (query.qclass() != DnsQuery.CLASS_IN) {
      return Reply.of(DnsResponse.REFUSED);
    }
    String name = query.name().toLowerCase(Locale.ROOT);
    String local;
    if (name.equals(DOMAIN)) {
      return Reply.of(DnsResponse.NOERROR); // the domain itself exists, with no address
    } else if (name.endsWith("." + DOMAIN)) {
      local = name.substring(0, name.length() - DOMAIN.length() - 1);
    } else if (!name.isEmpty() && name.indexOf('.') < 0) {
      local = name;
    } else {
      return Reply.of(DnsResponse.REFUSED); // not ours: the responder forwards nothing
    }
    List<String> found = names.get(local);
    if (found == null || found.isEmpty()) {
      return Reply.of(DnsResponse.NXDOMAIN);
    }
    if (query.type() != DnsQuery.TYPE_A && query.type() != DnsQuery.TYPE_ANY) {
      return Reply.of(DnsResponse.NOERROR); // the name exists, with no record of that type (an AAAA query)
    }
    return new Reply(DnsResponse.NOERROR, true, found.stream().map(DnsAuthority::bytes).toList());
  }

  /** The response bytes for {@code raw} (its first {@code length} bytes); null when nothing must be sent. */
  public static byte[] respond(byte[] raw, int length, Map<String, List<String>> names) {
    DnsQuery query;
    try {
      query = DnsQuery.parse(raw, length);
    } catch (DnsFormatException e) {
      int id = DnsQuery.idOf(raw, length);
      return id < 0 ? null : DnsResponse.error(id, DnsResponse.FORMERR);
    }
    if (query.isResponse()) {
      return null; // never answer an answer
    }
    Reply r = reply(query, names);
    return DnsResponse.of(query, raw, r.rcode(), r.authoritative(), r.addresses(), TTL);
  }

  private static byte[] bytes(String dotted) {
    String[] p = dotted.split("\\.");
    byte[] b = new byte[4];
    for (int i = 0; i < 4; i++) {
      b[i] = (byte) Integer.parseInt(p[i]);
    }
    return b;
  }
}
