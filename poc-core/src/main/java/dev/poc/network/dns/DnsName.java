package dev.poc.network.dns;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Domain names on the wire (RFC 1035 4.1.4): a sequence of length-prefixed labels ending in a zero
 * byte, where a label may instead be a pointer to an earlier name in the message. Names are
 * handled in lower case without the trailing dot; the root is the empty string.
 */
public final class DnsName {
  private static final int MAX_LABEL = 63;
  private static final int MAX_NAME = 255;

  private DnsName() {}

  /** A name read from a message, and the offset just past its encoding where it began. */
  public record Read(String name, int end) {}

  /** Reads the name at {@code offset} of {@code msg} (the first {@code length} bytes), following pointers. */
  public static Read read(byte[] msg, int length, int offset) throws DnsFormatException {
    StringBuilder name = new StringBuilder();
    int pos = offset;
    int end = -1; // where the name ends in place: after its first pointer, or after its zero byte
    int jumps = 0;
    while (true) {
      if (pos >= length) {
        throw new DnsFormatException("a name at offset " + offset + " runs past the message's end (" + length + " bytes)");
      }
      int len = msg[pos] & 0xff;
      if ((len & 0xc0) == 0xc0) {
        if (pos + 1 >= length) {
          throw new DnsFormatException("a name pointer at offset " + pos + " is cut off");
        }
        if (++jumps > 32) {
          throw new DnsFormatException("the name at offset " + offset + " has pointers that loop");
        }
        if (end < 0) {
          end = pos + 2;
        }
        pos = ((len & 0x3f) << 8) | (msg[pos + 1] & 0xff);
        continue;
      }
      if ((len & 0xc0) != 0) {
        throw new DnsFormatException("label type 0x" + Integer.toHexString(len & 0xc0) + " at offset " + pos + " is not supported");
      }
      if (len == 0) {
        if (end < 0) {
          end = pos + 1;
        }
        return new Read(name.toString().toLowerCase(Locale.ROOT), end);
      }
      if (pos + 1 + len > length) {
        throw new DnsFormatException("a label at offset " + pos + " runs past the message's end");
      }
      if (name.length() > 0) {
        name.append('.');
      }
      name.append(new String(msg, pos + 1, len, StandardCharsets.ISO_8859_1));
      if (name.length() > MAX_NAME) {
        throw new DnsFormatException("the name at offset " + offset + " is longer than " + MAX_NAME + " characters");
      }
      pos += 1 + len;
    }
  }

  /** Writes {@code name} ("a.b", or "" for the root) uncompressed. */
  public static void write(String name, ByteArrayOutputStream out) {
    if (!name.isEmpty()) {
      for (String label : name.split("\\.", -1)) {
        byte[] b = label.getBytes(StandardCharsets.ISO_8859_1);
        if (b.length == 0 || b.length > MAX_LABEL) {
          throw new IllegalArgumentException("name '" + name + "' has a label of " + b.length
              + " bytes: each label holds 1 to " + MAX_LABEL);
        }
        out.write(b.length);
        out.write(b, 0, b.length);
      }
    }
    out.write(0);
  }
}
