package dev.poc.network.dns;

import java.io.ByteArrayOutputStream;
import java.util.List;

/**
 * Encodes the responder's answers (RFC 1035 4.1): the query's id and question echoed, the
 * response code, and IPv4 address records whose owner name points at the question's name.
 * Recursion is never available (RA is 0): the responder answers only for its own network.
 */
public final class DnsResponse {
  public static final int NOERROR = 0;
  public static final int FORMERR = 1;
  public static final int SERVFAIL = 2;
  public static final int NXDOMAIN = 3;
  public static final int NOTIMP = 4;
  public static final int REFUSED = 5;
  private static final int POINTER_TO_QUESTION = 0xc000 | DnsQuery.HEADER;

  private DnsResponse() {}

  /**
   * The response to {@code query}, whose raw bytes are {@code raw}: code {@code rcode}, the
   * authoritative bit when {@code authoritative}, and one A record per address (4 bytes each),
   * each with time to live {@code ttl} seconds.
   */
  public static byte[] of(DnsQuery query, byte[] raw, int rcode, boolean authoritative, List<byte[]> addresses, int ttl) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(query.questionEnd() + 16 * addresses.size());
    int flags = 0x8000 | (query.flags() & 0x7900) | (authoritative ? 0x0400 : 0) | (rcode & 0xf); // QR, opcode, RD
    u16(out, query.id());
    u16(out, flags);
    boolean withQuestion = query.questionCount() > 0;
    u16(out, withQuestion ? 1 : 0);
    u16(out, addresses.size());
    u16(out, 0);
    u16(out, 0);
    if (withQuestion) {
      out.write(raw, DnsQuery.HEADER, query.questionEnd() - DnsQuery.HEADER);
    }
    for (byte[] a : addresses) {
      if (a.length != 4) {
        throw new IllegalArgumentException("an A record holds 4 bytes, not " + a.length);
      }
      u16(out, POINTER_TO_QUESTION); // the owner is the question's name
      u16(out, DnsQuery.TYPE_A);
      u16(out, DnsQuery.CLASS_IN);
      u16(out, ttl >>> 16);
      u16(out, ttl & 0xffff);
      u16(out, 4);
      out.write(a, 0, 4);
    }
    return out.toByteArray();
  }

  /** A bare error for a message whose question could not be read: its id (if any), no question. */
  public static byte[] error(int id, int rcode) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(12);
    u16(out, Math.max(id, 0));
    u16(out, 0x8000 | (rcode & 0xf));
    for (int i = 0; i < 4; i++) {
      u16(out, 0);
    }
    return out.toByteArray();
  }

  private static void u16(ByteArrayOutputStream out, int v) {
    out.write((v >> 8) & 0xff);
    out.write(v & 0xff);
  }
}
