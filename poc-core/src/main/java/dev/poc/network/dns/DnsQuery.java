package dev.poc.network.dns;

/**
 * What the responder needs of a query (RFC 1035 4.1): its header fields and its one question.
 * {@code questionEnd} is where the question section ends in the raw message, so a response can
 * copy the question as it came.
 */
public record DnsQuery(int id, int flags, int questionCount, String name, int type, int qclass, int questionEnd) {
  public static final int TYPE_A = 1;
  public static final int TYPE_AAAA = 28;
  public static final int TYPE_ANY = 255;
  public static final int CLASS_IN = 1;
  static final int HEADER = 12;

  /** Whether the QR bit says this is a response, which a responder must never answer. */
  public boolean isResponse() {
    return (flags & 0x8000) != 0;
  }

  /** The operation code: 0 is a standard query. */
  public int opcode() {
    return (flags >> 11) & 0xf;
  }

  /** Whether the client asked for recursion (copied into the answer; never performed). */
  public boolean recursionDesired() {
    return (flags & 0x0100) != 0;
  }

  /**
   * Reads the header and, when there is one, the first question of {@code msg}'s first
   * {@code length} bytes; a message with no question has name "" and type 0.
   */
  public static DnsQuery parse(byte[] msg, int length) throws DnsFormatException {
    if (length < HEADER) {
      throw new DnsFormatException("a DNS message has a 12-byte header; this one has " + length + " bytes");
    }
    int id = u16(msg, 0);
    int flags = u16(msg, 2);
    int qd = u16(msg, 4);
    if (qd == 0) {
      return new DnsQuery(id, flags, 0, "", 0, 0, HEADER);
    }
    DnsName.Read name = DnsName.read(msg, length, HEADER);
    if (name.end() + 4 > length) {
      throw new DnsFormatException("the question's type and class are cut off at offset " + name.end());
    }
    return new DnsQuery(id, flags, qd, name.name(), u16(msg, name.end()), u16(msg, name.end() + 2), name.end() + 4);
  }

  /** The id of a message too broken to parse, if it has one: an answer can still say FORMERR. */
  public static int idOf(byte[] msg, int length) {
    return length >= 2 ? u16(msg, 0) : -1;
  }

  static int u16(byte[] b, int at) {
    return ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
  }
}
