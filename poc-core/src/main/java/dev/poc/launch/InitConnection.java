package dev.poc.launch;

import dev.poc.host.Directories;
import dev.poc.ExitStatus;
import dev.poc.Signal;
import dev.poc.StartFailedException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/** The control socket between the runtime and one poc-init: the plan out, status lines back. */
public final class InitConnection implements AutoCloseable {
  private static final Path SOCKET_DIR = dev.poc.host.HostDirs.hostState().resolve("ctl");
  private final ServerSocketChannel server; // null for a pinned connection's
  private final jnr.unixsocket.UnixServerSocketChannel pinnedServer; // else null
  private final Path socketPath;
  private SocketChannel channel;
  private BufferedReader reader;
  private volatile String profiled; // the container whose steps StartProfile records, if any

  private InitConnection(ServerSocketChannel server, Path socketPath) {
    this.server = server;
    this.pinnedServer = null;
    this.socketPath = socketPath;
  }

  private InitConnection(jnr.unixsocket.UnixServerSocketChannel pinnedServer, Path socketPath) {
    this.server = null;
    this.pinnedServer = pinnedServer;
    this.socketPath = socketPath;
  }

  /** A listening socket with a short path (sun_path holds 108 bytes; state roots can be long). */
  static InitConnection listen() throws IOException {
    Directories.ensure(SOCKET_DIR);
    Path path = SOCKET_DIR.resolve(Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".sock");
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(path));
    return new InitConnection(server, path);
  }

  /**
   * A listening socket whose {@link #accept} takes only the helper of the pid it was told (checked
   * with SO_PEERCRED): for a helper another process started and only reported the pid of
   * ({@link ForeignProcess}), so that a reported pid is the one this JVM then drives and signals.
   */
  static InitConnection listenPinned() throws IOException {
    Directories.ensure(SOCKET_DIR);
    Path path = SOCKET_DIR.resolve(Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".sock");
    jnr.unixsocket.UnixServerSocketChannel server = jnr.unixsocket.UnixServerSocketChannel.open();
    server.socket().bind(new jnr.unixsocket.UnixSocketAddress(path.toFile()));
    return new InitConnection(server, path);
  }

  Path socketPath() {
    return socketPath;
  }

  /** Waits for the helper to connect; gives up when it died or after the timeout. */
  void accept(Process helper, long timeoutMillis) throws IOException {
    if (pinnedServer != null) {
      acceptPinned(helper, timeoutMillis);
      return;
    }
    server.configureBlocking(false);
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    try (Selector selector = Selector.open()) {
      server.register(selector, SelectionKey.OP_ACCEPT);
      while (channel == null) {
        selector.select(20);
        channel = server.accept();
        if (channel == null && !helper.isAlive()) {
          if (helper instanceof ForeignProcess) { // its stderr, and its status, are its parent's
            throw new StartFailedException("poc-init " + helper.pid() + " exited before connecting (its stderr has the reason)");
          }
          throw new StartFailedException("poc-init exited with code " + helper.exitValue()
              + " before connecting: " + new String(helper.getErrorStream().readNBytes(2000), StandardCharsets.UTF_8).trim());
        }
        if (channel == null && System.nanoTime() > deadline) {
          throw new StartFailedException("poc-init did not connect within " + timeoutMillis + " ms");
        }
      }
    }
    channel.configureBlocking(true);
    server.close();
    Files.deleteIfExists(socketPath);
    reader = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
  }

  private void acceptPinned(Process helper, long timeoutMillis) throws IOException {
    pinnedServer.configureBlocking(false);
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    while (channel == null) {
      jnr.unixsocket.UnixSocketChannel c = pinnedServer.accept();
      if (c != null) {
        jnr.unixsocket.Credentials peer = c.getOption(jnr.unixsocket.UnixSocketOptions.SO_PEERCRED);
        if (peer != null && peer.getPid() == helper.pid()) {
          channel = c;
          break;
        }
        c.close(); // not the helper reported: another process of ours that found the socket
        continue;
      }
      if (!helper.isAlive()) {
        throw new StartFailedException("poc-init " + helper.pid() + " exited before connecting (its stderr has the reason)");
      }
      if (System.nanoTime() > deadline) {
        throw new StartFailedException("poc-init " + helper.pid() + " did not connect within " + timeoutMillis + " ms");
      }
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StartFailedException("interrupted while waiting for poc-init " + helper.pid() + " to connect");
      }
    }
    channel.configureBlocking(true);
    pinnedServer.close();
    Files.deleteIfExists(socketPath);
    reader = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
  }

  void send(byte[] bytes) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    while (buf.hasRemaining()) {
      channel.write(buf);
    }
  }

  /** Records the init's TIMES line and the end's steps as {@code container}'s (see StartProfile). */
  void profileAs(String container) {
    profiled = container;
  }

  /** The next status line, or null when the helper has gone. */
  String readLine() throws IOException {
    return reader.readLine();
  }

  /**
   * Reads status lines until the helper is done: the command's status (its EXIT line), else the
   * helper's report of its child's death (DIED), else a SIGKILL (nothing was said). A DIED line
   * is the helper's last word, said once it has reaped the container's init (and the kernel the
   * init's whole PID namespace with it): nothing of the container is left, so the release need
   * not wait for the helper's own exit, which the JVM's process reaper collects meanwhile.
   * Without it (the helper was killed, or its child was a command of exec) the helper is awaited.
   */
  public ExitStatus awaitEnd(Process helper) {
    ExitStatus exit = null;
    ExitStatus died = null;
    try {
      String line;
      while (died == null && (line = readLine()) != null) {
        if (line.startsWith("EXIT ") && exit == null) {
          exit = parseStatus(line);
          if (profiled != null) {
            StartProfile.mark(profiled, "EXIT read");
          }
        } else if (line.startsWith("TIMES ") && profiled != null) {
          StartProfile.initTimes(profiled, line);
        } else if (line.startsWith("DIED ")) {
          died = parseStatus(line);
        }
      }
    } catch (IOException e) {
      // the socket went with the helper: what it said before is what there is
    }
    if (died == null) {
      try {
        helper.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (profiled != null) {
      StartProfile.mark(profiled, "helper done");
    }
    return exit != null ? exit : died != null ? died : ExitStatus.signaled(Signal.KILL.number());
  }

  /** "EXIT code N", "EXIT signal N", "DIED code N", "DIED signal N". */
  static ExitStatus parseStatus(String line) {
    String[] f = line.split(" ");
    int n = Integer.parseInt(f[2]);
    return f[1].equals("signal") ? ExitStatus.signaled(n) : ExitStatus.exited(n);
  }

  @Override
  public void close() {
    try {
      if (server != null) {
        server.close();
      } else {
        pinnedServer.close();
      }
      if (channel != null) {
        channel.close();
      }
      Files.deleteIfExists(socketPath);
    } catch (IOException e) {
      // closing is best effort; the helper notices EOF either way
    }
  }
}
