package dev.poc.network.dns;

import java.io.ByteArrayOutputStream;

/** Queries written byte by byte, as a client (busybox nslookup, musl) would send them. */
final class DnsBytes {
  private DnsBytes() {}

  /** A standard query with RD set: id, one question of {@code name}, {@code type}, class IN. */
  static byte[] query(int id, String name, int type) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) (id >> 8), (byte) id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0});
    for (String label : name.split("\\.")) {
      out.write(label.length());
      out.writeBytes(label.getBytes());
    }
    out.write(0);
    out.writeBytes(new byte[] {(byte) (type >> 8), (byte) type, 0, 1});
    return out.toByteArray();
  }

  static int rcode(byte[] response) {
    return response[3] & 0xf;
  }

  static int answerCount(byte[] response) {
    return ((response[6] & 0xff) << 8) | (response[7] & 0xff);
  }
}
