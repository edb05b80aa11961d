package dev.poc.image;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a tar stream entry by entry: ustar headers, PAX extended headers (long names, sizes,
 * {@code SCHILY.xattr.*}) and GNU long names, as image layers use them. Numbers may be octal or
 * base-256. Pure parsing: nothing here touches the file system.
 */
final class TarReader {
  private static final int BLOCK = 512;

  /** One member: its header fields, with PAX and GNU extensions applied. */
  record Entry(String name, String linkName, char type, int mode, int uid, int gid, long size, long mtime,
               int devMajor, int devMinor, Map<String, byte[]> xattrs) {}

  private final InputStream in;
  private long remaining;  // bytes of the current member's data not yet read
  private long padding;    // bytes after it up to the block boundary

  TarReader(InputStream in) {
    this.in = in;
  }

  /** The next member, or null at the end of the archive. */
  Entry next() throws IOException {
    skip(remaining + padding);
    remaining = 0;
    padding = 0;
    Map<String, byte[]> pax = new LinkedHashMap<>();
    String longName = null;
    String longLink = null;
    for (;;) {
      byte[] h = in.readNBytes(BLOCK);
      if (h.length == 0) {
        return null; // some writers omit the two zero blocks
      }
      if (h.length < BLOCK) {
        throw new EOFException("the archive ends inside a header (" + h.length + " of 512 bytes)");
      }
      if (isZero(h)) {
        return null;
      }
      checkSum(h);
      char type = (char) h[156];
      long size = number(h, 124, 12);
      if (type == 'x' || type == 'L' || type == 'K' || type == 'g') {
        byte[] data = readData(size);
        if (type == 'x') {
          pax.putAll(paxRecords(data));
        } else if (type == 'L') {
          longName = cString(data, 0, data.length);
        } else if (type == 'K') {
          longLink = cString(data, 0, data.length);
        }
        continue; // global headers ('g') only carry defaults image tools do not rely on
      }
      if (type == 'S') {
        throw new IOException("the archive has a GNU sparse member, which image layers never use");
      }
      String name = cString(h, 0, 100);
      if (h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a' && h[261] == 'r') {
        String prefix = cString(h, 345, 155);
        if (!prefix.isEmpty()) {
          name = prefix + "/" + name;
        }
      }
      String link = cString(h, 157, 100);
      if (longName != null) {
        name = longName;
      }
      if (longLink != null) {
        link = longLink;
      }
      Map<String, byte[]> xattrs = new LinkedHashMap<>();
      int uid = (int) number(h, 108, 8);
      int gid = (int) number(h, 116, 8);
      long mtime = number(h, 136, 12);
      for (Map.Entry<String, byte[]> e : pax.entrySet()) {
        String v = new String(e.getValue(), StandardCharsets.UTF_8);
        switch (e.getKey()) {
          case "path" -> name = v;
          case "linkpath" -> link = v;
          case "size" -> size = Long.parseLong(v);
          case "uid" -> uid = Integer.parseInt(v);
          case "gid" -> gid = Integer.parseInt(v);
          case "mtime" -> mtime = (long) Double.parseDouble(v);
          default -> {
            if (e.getKey().startsWith("SCHILY.xattr.")) {
              xattrs.put(e.getKey().substring("SCHILY.xattr.".length()), e.getValue());
            }
          }
        }
      }
      boolean hasData = type == '0' || type == '\0' || type == '7';
      remaining = hasData ? size : 0;
      padding = hasData ? (BLOCK - size % BLOCK) % BLOCK : 0;
      if (type == '\0' && name.endsWith("/")) {
        type = '5'; // old tars mark directories by the slash only
      }
      return new Entry(name, link, type, (int) number(h, 100, 8), uid, gid, hasData ? size : 0, mtime,
          (int) number(h, 329, 8), (int) number(h, 337, 8), xattrs);
    }
  }

  /** The current member's data; read it to its end (or leave it: {@link #next()} skips the rest). */
  InputStream data() {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (remaining == 0) {
          return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n < 0) {
          throw new EOFException("the archive ends inside a member's data (" + remaining + " bytes missing)");
        }
        remaining -= n;
        return n;
      }
    };
  }

  /** Reads what follows the last member, so a digest over the stream covers all of it. */
  void drain() throws IOException {
    in.transferTo(java.io.OutputStream.nullOutputStream());
  }

  private byte[] readData(long size) throws IOException {
    if (size > 16 << 20) {
      throw new IOException("an extended header of " + size + " bytes is not believable");
    }
    byte[] data = in.readNBytes((int) size);
    if (data.length < size) {
      throw new EOFException("the archive ends inside an extended header");
    }
    skip((BLOCK - size % BLOCK) % BLOCK);
    return data;
  }

  /** Reads and drops {@code n} bytes: read, not skip, so a digest over the stream sees every byte. */
  private void skip(long n) throws IOException {
    long left = n;
    byte[] buf = new byte[8192];
    while (left > 0) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (r < 0) {
        throw new EOFException("the archive ends inside a member's data (" + left + " bytes missing)");
      }
      left -= r;
    }
  }

  static Map<String, byte[]> paxRecords(byte[] data) throws IOException {
    Map<String, byte[]> records = new LinkedHashMap<>();
    int pos = 0;
    while (pos < data.length) {
      int sp = pos;
      while (sp < data.length && data[sp] != ' ') {
        sp++;
      }
      int len;
      try {
        len = Integer.parseInt(new String(data, pos, sp - pos, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        throw new IOException("a PAX header record has no length");
      }
      int end = pos + len;
      if (len <= 0 || end > data.length) {
        throw new IOException("a PAX header record runs past its header");
      }
      int eq = sp + 1;
      while (eq < end && data[eq] != '=') {
        eq++;
      }
      if (eq >= end - 1 || data[end - 1] != '\n') {
        throw new IOException("a PAX header record is not 'length key=value\\n'");
      }
      String key = new String(data, sp + 1, eq - sp - 1, StandardCharsets.UTF_8);
      byte[] value = java.util.Arrays.copyOfRange(data, eq + 1, end - 1); // minus the newline
      records.put(key, value);
      pos = end;
    }
    return records;
  }

  static long number(byte[] h, int off, int len) throws IOException {
    if ((h[off] & 0x80) != 0) { // base-256, big-endian, first byte's top bit is the marker
      long v = h[off] & 0x7f;
      for (int i = 1; i < len; i++) {
        v = (v << 8) | (h[off + i] & 0xff);
      }
      return v;
    }
    int i = off;
    while (i < off + len && h[i] == ' ') {
      i++; // some writers pad numbers on the left
    }
    long v = 0;
    for (; i < off + len && h[i] != 0 && h[i] != ' '; i++) {
      byte b = h[i];
      if (b < '0' || b > '7') {
        throw new IOException("a header field holds '" + (char) b + "' where an octal number belongs");
      }
      v = (v << 3) + (b - '0');
    }
    return v;
  }

  private static void checkSum(byte[] h) throws IOException {
    long stored = number(h, 148, 8);
    long unsigned = 0;
    for (int i = 0; i < BLOCK; i++) {
      unsigned += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
    }
    if (stored != unsigned) {
      throw new IOException("a header's checksum is wrong: the archive is corrupt");
    }
  }

  private static boolean isZero(byte[] h) {
    for (byte b : h) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static String cString(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.UTF_8);
  }
}
