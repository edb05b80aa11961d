package dev.poc.network.usermode;

import dev.poc.PortMapping;
import dev.poc.StartFailedException;
import dev.poc.spi.Attachment;
import dev.poc.spi.NetworkFacts;
import dev.poc.spi.StartContext;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One container's user-mode network: starts its slirp4netns once the init exists, publishes its
 * ports through slirp4netns's API, and ends it on close.
 */
final class UserModeAttachment implements Attachment {
  private static final Logger LOG = LoggerFactory.getLogger(UserModeAttachment.class);
  /** A free port picked here may be taken by someone else before slirp4netns binds it: pick again. */
  private static final int FREE_PORT_ATTEMPTS = 3;

  private final StartContext ctx;
  private final Path tool;
  private final boolean hostLoopback;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile SlirpProcess slirp;

  UserModeAttachment(StartContext ctx, Path tool, boolean hostLoopback) {
    this.ctx = ctx;
    this.tool = tool;
    this.hostLoopback = hostLoopback;
  }

  @Override
  public void onCreated(int initPid) throws IOException {
    long t0 = System.nanoTime();
    boolean ports = !ctx.spec().ports().isEmpty();
    slirp = SlirpProcess.start(tool, ctx.runDir(), ctx.name(), initPid, hostLoopback, ports);
    long ready = System.nanoTime() - t0;
    Map<Integer, Integer> hostPorts = new LinkedHashMap<>();
    for (PortMapping p : ctx.spec().ports()) {
      hostPorts.put(p.containerPort(), forward(p));
    }
    ctx.publish(NetworkFacts.class, new NetworkFacts(UserModeNetwork.ADDRESS, UserModeNetwork.GATEWAY, hostPorts));
    LOG.debug("user-mode network of '{}': slirp4netns {} ready in {} us, ports {}", ctx.name(), slirp.pid(),
        ready / 1000, hostPorts);
  }

  /** Forwards {@code 127.0.0.1:hostPort} to the container's port; returns the host port. */
  private int forward(PortMapping p) throws IOException {
    if (p.hostPort() != 0) {
      slirp.api().addTcpForward(p.hostPort(), p.containerPort(), ctx.name());
      return p.hostPort();
    }
    for (int attempt = 1; ; attempt++) {
      int port = freeLoopbackPort();
      try {
        slirp.api().addTcpForward(port, p.containerPort(), ctx.name());
        return port;
      } catch (StartFailedException e) {
        if (attempt == FREE_PORT_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  private static int freeLoopbackPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Ends slirp4netns and its watcher and removes their files; idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    SlirpProcess.reclaim(ctx.runDir());
  }

  @Override
  public String toString() {
    return "user-mode network of '" + ctx.name() + "'" + (slirp == null ? "" : " (slirp4netns " + slirp.pid() + ")");
  }
}
