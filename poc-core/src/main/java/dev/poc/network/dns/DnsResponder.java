package dev.poc.network.dns;

import dev.poc.host.Flock;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded DNS responders of one runtime's named networks: for each network with a container
 * of this runtime on it, UDP and TCP port 53 on the network's gateway address, answered by
 * {@link DnsAuthority} from the network's membership as the state store has it at the moment of
 * the query (so containers of other processes, and containers that came or went a moment ago,
 * are answered right). Nothing is ever forwarded.
 *
 * <p>Several processes may have containers on one network; exactly one of them answers, the one
 * holding the network's lock file (an flock, which the kernel drops when its holder dies). The
 * others retry the lock every {@value #RETRY_MILLIS} ms while they have a container on the
 * network, so when the answering process closes its last container there or dies, another one
 * takes over. A network none of whose containers' processes runs (detached containers whose
 * {@code poc run} has returned) has no responder until one does: a query there gets "port
 * unreachable" at once, and the members' /etc/hosts still names them all.
 *
 * <p>One daemon thread serves every network of the runtime; it ends when the last container of
 * the runtime on a named network is released.
 */
public final class DnsResponder {
  private static final Logger LOG = LoggerFactory.getLogger(DnsResponder.class);
  static final int RETRY_MILLIS = 500;
  private static final int PORT = 53;
  private static final int MAX_TCP_MESSAGE = 4096;

  /** The names a network's members answer to, read at the time of each query. */
  @FunctionalInterface
  public interface NameSource {
    /** Lower-case name to the addresses (dotted IPv4) of the members with that name. */
    Map<String, List<String>> names() throws IOException;
  }

  private final int port;
  private final Map<String, Served> served = new HashMap<>();
  private Thread thread;
  private Selector selector;

  public DnsResponder() {
    this(PORT);
  }

  /** Answers on {@code port} instead of 53 (a test's own). */
  DnsResponder(int port) {
    this.port = port;
  }

  /**
   * Has network {@code gateway}'s names answered while the returned handle is open: at once when
   * {@code lockFile} is free (the socket is bound when this returns), else by whichever process
   * holds it, and by this one once it is free.
   */
  public synchronized AutoCloseable serve(String gateway, Path lockFile, NameSource names) throws IOException {
    Served s = served.computeIfAbsent(gateway, g -> new Served(g, lockFile, names));
    s.refs++;
    if (s.lock == null) {
      tryToAnswer(s);
    }
    if (thread == null) {
      selector = Selector.open();
      thread = new Thread(this::loop, "poc-dns");
      thread.setDaemon(true);
      thread.start();
    } else {
      selector.wakeup();
    }
    java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    return () -> {
      if (closed.compareAndSet(false, true)) {
        release(gateway);
      }
    };
  }

  /** Whether this runtime answers for {@code gateway} now (holds its lock and is bound). */
  public synchronized boolean answers(String gateway) {
    Served s = served.get(gateway);
    return s != null && s.udp != null;
  }

  private synchronized void release(String gateway) {
    Served s = served.get(gateway);
    if (s != null && --s.refs == 0) {
      served.remove(gateway);
      s.close();
      if (selector != null) {
        selector.wakeup();
      }
    }
  }

  /** Takes the network's lock if free and binds its sockets; a failure to bind is logged once and retried. */
  private void tryToAnswer(Served s) {
    long now = System.nanoTime();
    if (now < s.nextTry) {
      return;
    }
    s.nextTry = now + RETRY_MILLIS * 1_000_000L;
    Optional<Flock> lock;
    try {
      lock = Flock.tryLock(s.lockFile);
    } catch (IOException e) {
      s.warnOnce("locking " + s.lockFile + " failed: " + e.getMessage());
      return;
    }
    if (lock.isEmpty()) {
      return; // another process answers
    }
    try {
      InetSocketAddress at = new InetSocketAddress(InetAddress.getByAddress(dotted(s.gateway)), port);
      s.udp = DatagramChannel.open(StandardProtocolFamily.INET).bind(at);
      s.udp.configureBlocking(false);
      s.tcp = ServerSocketChannel.open(StandardProtocolFamily.INET).bind(at, 16);
      s.tcp.configureBlocking(false);
      s.lock = lock.get();
      s.registered = false;
      LOG.debug("answering the names of the network at {}:{}", s.gateway, port);
    } catch (IOException e) {
      s.closeSockets();
      lock.get().close();
      s.warnOnce("the DNS responder cannot listen on " + s.gateway + ":" + port + " (" + e
          + "); containers there still find each other through /etc/hosts. Free that port on that address,"
          + " or stop what binds port " + port + " on every address");
    }
  }

  private void loop() {
    ByteBuffer datagram = ByteBuffer.allocate(MAX_TCP_MESSAGE);
    Selector sel;
    while (true) {
      synchronized (this) {
        sel = selector;
        if (served.isEmpty()) {
          try {
            sel.close();
          } catch (IOException e) {
            LOG.debug("closing the DNS selector: {}", e.toString());
          }
          selector = null;
          thread = null;
          return;
        }
        for (Served s : served.values()) {
          if (s.lock == null) {
            tryToAnswer(s);
          }
          if (s.lock != null && !s.registered) {
            try {
              s.udp.register(sel, SelectionKey.OP_READ, s);
              s.tcp.register(sel, SelectionKey.OP_ACCEPT, s);
              s.registered = true;
            } catch (ClosedChannelException e) {
              s.registered = true; // released meanwhile
            }
          }
        }
      }
      try {
        sel.select(RETRY_MILLIS);
      } catch (IOException e) {
        LOG.warn("the DNS responder's wait failed: {}", e.toString());
        continue;
      }
      for (SelectionKey key : sel.selectedKeys()) {
        try {
          handle(key, datagram);
        } catch (IOException | java.nio.channels.CancelledKeyException e) {
          LOG.debug("a DNS exchange failed: {}", e.toString()); // a peer gone, or its network released meanwhile
          closeConnection(key);
        } catch (RuntimeException e) {
          LOG.warn("answering a DNS query failed; the responder goes on", e); // a bug: the thread must not die of it
          closeConnection(key);
        }
      }
      sel.selectedKeys().clear();
    }
  }

  private void handle(SelectionKey key, ByteBuffer datagram) throws IOException {
    if (key.channel() instanceof DatagramChannel udp) {
      Served s = (Served) key.attachment();
      datagram.clear();
      SocketAddress from = udp.receive(datagram);
      if (from == null) {
        return;
      }
      byte[] response = DnsAuthority.respond(datagram.array(), datagram.position(), s.names.names());
      if (response != null) {
        udp.send(ByteBuffer.wrap(response), from);
      }
    } else if (key.channel() instanceof ServerSocketChannel server) {
      Served s = (Served) key.attachment();
      SocketChannel c = server.accept();
      if (c != null) {
        c.configureBlocking(false);
        c.register(key.selector(), SelectionKey.OP_READ, new TcpExchange(s));
        synchronized (s) {
          s.connections.add(c);
        }
      }
    } else {
      SocketChannel c = (SocketChannel) key.channel();
      TcpExchange x = (TcpExchange) key.attachment();
      if (c.read(x.in) < 0 || !x.in.hasRemaining()) {
        closeConnection(key); // closed early, or longer than any query poc answers
        return;
      }
      if (x.in.position() < 2) {
        return;
      }
      int length = DnsQuery.u16(x.in.array(), 0);
      if (x.in.position() < 2 + length) {
        return;
      }
      byte[] query = java.util.Arrays.copyOfRange(x.in.array(), 2, 2 + length);
      byte[] response = DnsAuthority.respond(query, length, x.served.names.names());
      if (response != null) {
        ByteBuffer out = ByteBuffer.allocate(2 + response.length);
        out.putShort((short) response.length).put(response).flip();
        for (int i = 0; i < 100 && out.hasRemaining(); i++) {
          c.write(out); // a small answer to a local peer: the socket's buffer takes it at once
        }
      }
      closeConnection(key); // one query per connection
    }
  }

  private static void closeConnection(SelectionKey key) {
    if (key.channel() instanceof SocketChannel c) {
      key.cancel();
      try {
        c.close();
      } catch (IOException e) {
        LOG.debug("closing a DNS connection: {}", e.toString());
      }
      if (key.attachment() instanceof TcpExchange x) {
        synchronized (x.served) {
          x.served.connections.remove(c);
        }
      }
    }
  }

  private static byte[] dotted(String address) {
    String[] p = address.split("\\.");
    byte[] b = new byte[4];
    for (int i = 0; i < 4; i++) {
      b[i] = (byte) Integer.parseInt(p[i]);
    }
    return b;
  }

  /** One TCP query being read: a two-byte length, then the message. */
  private static final class TcpExchange {
    final Served served;
    final ByteBuffer in = ByteBuffer.allocate(2 + MAX_TCP_MESSAGE);

    TcpExchange(Served served) {
      this.served = served;
    }
  }

  /** One network this runtime has containers on. */
  private static final class Served {
    final String gateway;
    final Path lockFile;
    final NameSource names;
    final Set<SocketChannel> connections = new HashSet<>();
    int refs;
    Flock lock;
    DatagramChannel udp;
    ServerSocketChannel tcp;
    boolean registered;
    long nextTry = Long.MIN_VALUE;
    private boolean warned;

    Served(String gateway, Path lockFile, NameSource names) {
      this.gateway = gateway;
      this.lockFile = lockFile;
      this.names = names;
    }

    void warnOnce(String message) {
      if (!warned) {
        warned = true;
        LOG.warn(message);
      }
    }

    void closeSockets() {
      for (java.nio.channels.Channel c : new java.nio.channels.Channel[] {udp, tcp}) {
        if (c != null) {
          try {
            c.close();
          } catch (IOException e) {
            LOG.debug("closing a DNS socket: {}", e.toString());
          }
        }
      }
      synchronized (this) {
        for (SocketChannel c : connections) {
          try {
            c.close();
          } catch (IOException e) {
            LOG.debug("closing a DNS connection: {}", e.toString());
          }
        }
        connections.clear();
      }
      udp = null;
      tcp = null;
    }

    /** Stops answering and lets another process take over. */
    void close() {
      closeSockets();
      if (lock != null) {
        lock.close();
        lock = null;
      }
    }
  }
}
