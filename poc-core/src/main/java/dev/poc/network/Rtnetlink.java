package dev.poc.network;

import dev.poc.host.Errno;
import dev.poc.host.LibC;
import dev.poc.host.LibC;
import static dev.poc.network.NetlinkMessage.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A route-netlink socket: the few link and address operations poc needs, each one request and
 * one acknowledgement (no {@code ip} process, a few dozen microseconds each). Not thread-safe:
 * open one per operation sequence.
 */
public final class Rtnetlink implements AutoCloseable {
  private static final short NLMSG_ERROR = 2;
  private static final short NLMSG_DONE = 3;
  private static final short NLM_F_ACK_TLVS = 0x200;
  private static final short NLMSGERR_ATTR_MSG = 1;
  static final int ENODEV = Errno.ENODEV;
  static final int EEXIST = Errno.EEXIST;
  private static final int EINTR = Errno.EINTR;

  /** A link: its index, its alias ("" when none) and its master's index (0 when none). */
  record Link(int index, String alias, int master) {}

  /** An IPv4 address on a host interface. */
  record Address(int index, int address, int prefix) {}

  private final int fd;
  private final ByteBuffer rx = ByteBuffer.allocateDirect(64 * 1024).order(ByteOrder.nativeOrder());
  private final ByteBuffer tx = ByteBuffer.allocateDirect(4096).order(ByteOrder.nativeOrder());
  private int seq;

  private Rtnetlink(int fd) {
    this.fd = fd;
  }

  public static Rtnetlink open() throws IOException {
    LibC.Functions libc = LibC.get();
    int fd = libc.socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, LibC.NETLINK_ROUTE);
    if (fd < 0) {
      throw new IOException("opening an rtnetlink socket: " + Errno.describe(Errno.last()));
    }
    // Best effort: short acknowledgements, and the kernel's own words in errors.
    libc.setsockopt(fd, LibC.SOL_NETLINK, LibC.NETLINK_CAP_ACK, new int[] {1}, 4);
    libc.setsockopt(fd, LibC.SOL_NETLINK, LibC.NETLINK_EXT_ACK, new int[] {1}, 4);
    return new Rtnetlink(fd);
  }

  /** Creates a veth pair, the host end up (enslaved to {@code master} unless 0), the peer in {@code peerPid}'s netns. */
  void createVeth(String host, String peer, int peerPid, int master) throws NetlinkException {
    NetlinkMessage m = new NetlinkMessage(RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL)
        .ifinfo(0, IFF_UP, IFF_UP).attr(IFLA_IFNAME, host);
    if (master > 0) {
      m.attr(IFLA_MASTER, master);
    }
    int info = m.begin(IFLA_LINKINFO);
    m.attr(IFLA_INFO_KIND, "veth");
    int data = m.begin(IFLA_INFO_DATA);
    int p = m.begin(VETH_INFO_PEER);
    m.ifinfo(0, 0, 0).attr(IFLA_IFNAME, peer).attr(IFLA_NET_NS_PID, peerPid);
    m.end(p).end(data).end(info);
    execute(m);
  }

  /** Creates a bridge, up. */
  /**
   * Creates bridge {@code name}, up, with a MAC address of its own (random, locally administered).
   * Without one a bridge takes the lowest of its ports' addresses, so it changes as containers come
   * and go, and a container whose ARP cache still holds the old one cannot reach the gateway (its
   * DNS responder, its way out) for as long as the entry lives.
   */
  void createBridge(String name) throws NetlinkException {
    byte[] mac = new byte[6];
    java.util.concurrent.ThreadLocalRandom.current().nextBytes(mac);
    mac[0] = (byte) ((mac[0] & 0xfc) | 0x02); // unicast, locally administered
    NetlinkMessage m = new NetlinkMessage(RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL)
        .ifinfo(0, IFF_UP, IFF_UP).attr(IFLA_IFNAME, name).attr(IFLA_ADDRESS, mac);
    int info = m.begin(IFLA_LINKINFO);
    m.attr(IFLA_INFO_KIND, "bridge");
    m.end(info);
    execute(m);
  }

  void setAlias(int index, String alias) throws NetlinkException {
    execute(new NetlinkMessage(RTM_NEWLINK, NLM_F_ACK).ifinfo(index, 0, 0).attr(IFLA_IFALIAS, alias));
  }

  /** Deletes a link by name; false when there is none of that name. */
  boolean deleteLink(String name) throws NetlinkException {
    try {
      execute(new NetlinkMessage(RTM_DELLINK, NLM_F_ACK).ifinfo(0, 0, 0).attr(IFLA_IFNAME, name));
      return true;
    } catch (NetlinkException e) {
      if (e.errno() == ENODEV) {
        return false;
      }
      throw e;
    }
  }

  /**
   * Deletes the link of that index; false when there is none. An index names one link for as long
   * as it exists and the kernel hands indexes out cyclically, so a late delete by index cannot hit
   * a newer link that took the old one's name.
   */
  boolean deleteLink(int index) throws NetlinkException {
    try {
      execute(new NetlinkMessage(RTM_DELLINK, NLM_F_ACK).ifinfo(index, 0, 0));
      return true;
    } catch (NetlinkException e) {
      if (e.errno() == ENODEV) {
        return false;
      }
      throw e;
    }
  }

  /** The link of that name, if any. */
  public Optional<Link> link(String name) throws NetlinkException {
    List<ByteBuffer> replies;
    try {
      replies = request(new NetlinkMessage(RTM_GETLINK, 0).ifinfo(0, 0, 0).attr(IFLA_IFNAME, name), false);
    } catch (NetlinkException e) {
      if (e.errno() == ENODEV) {
        return Optional.empty();
      }
      throw e;
    }
    for (ByteBuffer msg : replies) {
      int index = msg.getInt(msg.position() + 4);
      String alias = "";
      int master = 0;
      for (ByteBuffer a : attributes(msg, 16)) {
        int type = a.getShort(a.position() - 2) & 0x3fff;
        if (type == IFLA_IFALIAS) {
          alias = string(a);
        } else if (type == IFLA_MASTER) {
          master = a.getInt(a.position());
        }
      }
      return Optional.of(new Link(index, alias, master));
    }
    return Optional.empty();
  }

  /** Adds {@code address/prefix} to link {@code index}. */
  void addAddress(int index, int address, int prefix) throws NetlinkException {
    execute(new NetlinkMessage(RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL)
        .ifaddr(prefix, index).attrIpv4(IFA_LOCAL, address).attrIpv4(IFA_ADDRESS, address));
  }

  /** Every IPv4 address of the host's namespace. */
  List<Address> addresses() throws NetlinkException {
    List<Address> out = new ArrayList<>();
    for (ByteBuffer msg : request(new NetlinkMessage(RTM_GETADDR, NLM_F_DUMP).ifaddr(0, 0), true)) {
      int prefix = msg.get(msg.position() + 1) & 0xff;
      int index = msg.getInt(msg.position() + 4);
      Integer local = null;
      Integer addr = null;
      for (ByteBuffer a : attributes(msg, 8)) {
        int type = a.getShort(a.position() - 2) & 0x3fff;
        if (type == IFA_LOCAL) {
          local = a.order(ByteOrder.BIG_ENDIAN).getInt(a.position());
        } else if (type == IFA_ADDRESS) {
          addr = a.order(ByteOrder.BIG_ENDIAN).getInt(a.position());
        }
      }
      Integer chosen = local != null ? local : addr;
      if (chosen != null) {
        out.add(new Address(index, chosen, prefix));
      }
    }
    return out;
  }

  private void execute(NetlinkMessage m) throws NetlinkException {
    request(m, false);
  }

  /**
   * Sends {@code m} and collects the payloads (after the nlmsghdr) of its replies, until the ACK,
   * or NLMSG_DONE for a dump. A kernel error becomes a {@link NetlinkException}.
   */
  private List<ByteBuffer> request(NetlinkMessage m, boolean dump) throws NetlinkException {
    int mySeq = ++seq;
    byte[] out = m.bytes(mySeq);
    LibC.Functions libc = LibC.get();
    tx.clear();
    tx.put(out).flip();
    if (libc.send(fd, tx, out.length, 0) != out.length) {
      throw new NetlinkException(Errno.last(), "");
    }
    boolean ackWanted = (ByteBuffer.wrap(out).order(ByteOrder.nativeOrder()).getShort(6) & NLM_F_ACK) != 0;
    List<ByteBuffer> replies = new ArrayList<>();
    for (;;) {
      rx.clear();
      long n = libc.recv(fd, rx, rx.capacity(), 0);
      if (n < 0) {
        int errno = Errno.last();
        if (errno == EINTR) {
          continue;
        }
        throw new NetlinkException(errno, "");
      }
      ByteBuffer b = rx.duplicate().order(ByteOrder.nativeOrder());
      b.limit((int) n).position(0);
      while (b.remaining() >= 16) {
        int start = b.position();
        int len = b.getInt(start);
        short type = b.getShort(start + 4);
        short flags = b.getShort(start + 6);
        int s = b.getInt(start + 8);
        if (len < 16 || start + len > b.limit()) {
          break;
        }
        if (s == mySeq) {
          if (type == NLMSG_ERROR) {
            int err = -b.getInt(start + 16);
            if (err != 0) {
              throw new NetlinkException(err, extendedMessage(b, start, len, flags));
            }
            return replies;
          }
          if (type == NLMSG_DONE) {
            return replies;
          }
          byte[] copy = new byte[len - 16];
          b.get(start + 16, copy);
          replies.add(ByteBuffer.wrap(copy).order(ByteOrder.nativeOrder()));
          if (!dump && !ackWanted) {
            return replies;
          }
        }
        b.position(start + ((len + 3) & ~3));
      }
    }
  }

  /** The kernel's text (NLMSGERR_ATTR_MSG) after a capped error, if it sent one. */
  private static String extendedMessage(ByteBuffer b, int start, int len, short flags) {
    if ((flags & NLM_F_ACK_TLVS) == 0) {
      return "";
    }
    int origLen = b.getInt(start + 20);
    boolean capped = (flags & 0x100) != 0;
    int tlvs = start + 16 + 4 + (capped ? 16 : ((origLen + 3) & ~3));
    ByteBuffer slice = b.duplicate().order(ByteOrder.nativeOrder());
    slice.limit(start + len).position(Math.min(tlvs, start + len));
    for (ByteBuffer a : attributes(slice, 0)) {
      if ((a.getShort(a.position() - 2) & 0x3fff) == NLMSGERR_ATTR_MSG) {
        return string(a);
      }
    }
    return "";
  }

  /** The attributes after {@code header} bytes of family header; each buffer starts at its value. */
  private static List<ByteBuffer> attributes(ByteBuffer msg, int header) {
    List<ByteBuffer> out = new ArrayList<>();
    int p = msg.position() + header;
    while (p + 4 <= msg.limit()) {
      int len = msg.getShort(p) & 0xffff;
      if (len < 4 || p + len > msg.limit()) {
        break;
      }
      ByteBuffer a = msg.duplicate().order(ByteOrder.nativeOrder());
      a.limit(p + len).position(p + 4);
      out.add(a);
      p += (len + 3) & ~3;
    }
    return out;
  }

  private static String string(ByteBuffer a) {
    byte[] b = new byte[a.remaining()];
    a.duplicate().get(b);
    int n = 0;
    while (n < b.length && b[n] != 0) {
      n++;
    }
    return new String(b, 0, n, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    LibC.get().close(fd);
  }

  /** A request the kernel refused, with its errno and (when it gave one) its explanation. */
  static final class NetlinkException extends IOException {
    private final int errno;

    NetlinkException(int errno, String kernelMessage) {
      super(Errno.describe(errno) + (kernelMessage.isEmpty() ? "" : " (" + kernelMessage + ")"));
      this.errno = errno;
    }

    int errno() {
      return errno;
    }
  }
}
