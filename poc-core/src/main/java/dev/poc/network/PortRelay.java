package dev.poc.network;

import dev.poc.StartFailedException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Publishes one container port on {@code 127.0.0.1:hostPort} by relaying each connection from
 * the JVM. A relay needs no DNAT from loopback (which would mean route_localnet, CVE-2020-8558),
 * and leaves nothing on the host when the JVM dies.
 */
final class PortRelay implements AutoCloseable {
  private static final int CONNECT_TIMEOUT_MS = 5_000;

  private final ServerSocket server;
  private final InetSocketAddress target;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private PortRelay(ServerSocket server, InetSocketAddress target) {
    this.server = server;
    this.target = target;
  }

  /** Listens on {@code 127.0.0.1:hostPort} (0: a free port) and relays to {@code address:containerPort}. */
  static PortRelay open(String container, int hostPort, String address, int containerPort) {
    ServerSocket server;
    try {
      server = new ServerSocket();
      server.setReuseAddress(true);
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), hostPort), 128);
    } catch (BindException e) {
      throw new StartFailedException("publishing port " + containerPort + " of '" + container + "' on 127.0.0.1:"
          + hostPort + ": " + e.getMessage() + ": pick another host port, or 0 for a free one");
    } catch (IOException e) {
      throw new StartFailedException("publishing port " + containerPort + " of '" + container + "': " + e.getMessage(), e);
    }
    PortRelay relay = new PortRelay(server, new InetSocketAddress(address, containerPort));
    Thread t = new Thread(relay::acceptLoop, "poc-relay-" + container + "-" + containerPort);
    t.setDaemon(true);
    t.start();
    return relay;
  }

  int hostPort() {
    return server.getLocalPort();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      Thread t = new Thread(() -> connect(client), Thread.currentThread().getName() + "-conn");
      t.setDaemon(true);
      t.start();
    }
  }

  private void connect(Socket client) {
    Socket upstream = new Socket();
    open.add(client);
    open.add(upstream);
    try {
      upstream.connect(target, CONNECT_TIMEOUT_MS);
    } catch (IOException e) {
      closeQuietly(client); // nothing listens inside (yet): the client sees the connection close
      closeQuietly(upstream);
      return;
    }
    AtomicInteger finished = new AtomicInteger();
    Thread back = new Thread(() -> pump(upstream, client, finished), Thread.currentThread().getName() + "-back");
    back.setDaemon(true);
    back.start();
    pump(client, upstream, finished);
  }

  /**
   * Copies one direction until end of stream, then half-closes, so request/response protocols
   * see EOF; the second direction to finish closes both sockets.
   */
  private void pump(Socket from, Socket to, AtomicInteger finished) {
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      byte[] buf = new byte[16 * 1024];
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
      }
      to.shutdownOutput();
    } catch (IOException e) {
      closeQuietly(from);
      closeQuietly(to);
      return;
    }
    if (finished.incrementAndGet() == 2) {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private void closeQuietly(Socket s) {
    open.remove(s);
    try {
      s.close();
    } catch (IOException e) {
      // closing
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // closing
    }
    for (Socket s : Set.copyOf(open)) {
      closeQuietly(s);
    }
  }
}
