package dev.poc.network;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One rtnetlink request, built by hand: an {@code nlmsghdr}, a family header ({@code ifinfomsg}
 * or {@code ifaddrmsg}) and (nested) {@code rtattr}s, each padded to 4 bytes, in host byte order.
 */
final class NetlinkMessage {
  static final short RTM_NEWLINK = 16;
  static final short RTM_DELLINK = 17;
  static final short RTM_GETLINK = 18;
  static final short RTM_NEWADDR = 20;
  static final short RTM_GETADDR = 22;
  static final short NLM_F_REQUEST = 1;
  static final short NLM_F_ACK = 4;
  static final short NLM_F_DUMP = 0x300;
  static final short NLM_F_EXCL = 0x200;
  static final short NLM_F_CREATE = 0x400;
  static final short IFLA_ADDRESS = 1;
  static final short IFLA_IFNAME = 3;
  static final short IFLA_MASTER = 10;
  static final short IFLA_LINKINFO = 18;
  static final short IFLA_NET_NS_PID = 19;
  static final short IFLA_IFALIAS = 20;
  static final short IFLA_INFO_KIND = 1;
  static final short IFLA_INFO_DATA = 2;
  static final short VETH_INFO_PEER = 1;
  static final short IFA_ADDRESS = 1;
  static final short IFA_LOCAL = 2;
  static final int IFF_UP = 1;
  static final int AF_UNSPEC = 0;
  static final int AF_INET = 2;

  private final ByteBuffer buf = ByteBuffer.allocate(1024).order(ByteOrder.nativeOrder());

  NetlinkMessage(short type, int flags) {
    buf.putInt(0).putShort(type).putShort((short) (NLM_F_REQUEST | flags)).putInt(0).putInt(0);
  }

  /** {@code struct ifinfomsg}: family, type, index, flags, change mask. */
  NetlinkMessage ifinfo(int index, int flags, int change) {
    buf.put((byte) AF_UNSPEC).put((byte) 0).putShort((short) 0).putInt(index).putInt(flags).putInt(change);
    return this;
  }

  /** {@code struct ifaddrmsg}: family AF_INET, prefix length, flags, scope (universe), index. */
  NetlinkMessage ifaddr(int prefix, int index) {
    buf.put((byte) AF_INET).put((byte) prefix).put((byte) 0).put((byte) 0).putInt(index);
    return this;
  }

  NetlinkMessage attr(short type, byte[] value) {
    buf.putShort((short) (4 + value.length)).putShort(type).put(value);
    pad();
    return this;
  }

  NetlinkMessage attr(short type, String value) {
    byte[] s = value.getBytes(StandardCharsets.UTF_8);
    return attr(type, Arrays.copyOf(s, s.length + 1));
  }

  NetlinkMessage attr(short type, int value) {
    return attr(type, ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(value).array());
  }

  /** An IPv4 address attribute, in network byte order. */
  NetlinkMessage attrIpv4(short type, int address) {
    return attr(type, ByteBuffer.allocate(4).order(ByteOrder.BIG_ENDIAN).putInt(address).array());
  }

  /** Opens a nested attribute; close it with {@link #end(int)}. */
  int begin(short type) {
    int at = buf.position();
    buf.putShort((short) 0).putShort(type); // no NLA_F_NESTED, as iproute2 sends it
    return at;
  }

  NetlinkMessage end(int at) {
    buf.putShort(at, (short) (buf.position() - at));
    return this;
  }

  private void pad() {
    while ((buf.position() & 3) != 0) {
      buf.put((byte) 0);
    }
  }

  /** The bytes to send, with length and sequence number filled in. */
  byte[] bytes(int seq) {
    buf.putInt(0, buf.position());
    buf.putInt(8, seq);
    return Arrays.copyOf(buf.array(), buf.position());
  }
}
