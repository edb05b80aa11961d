package dev.poc.network.usermode;

import dev.poc.ContainerSpec;
import dev.poc.InvalidSpecException;
import dev.poc.Namespace;
import dev.poc.Network;
import dev.poc.spi.Attachment;
import dev.poc.spi.NetworkFacts;
import dev.poc.spi.NetworkStrategy;
import dev.poc.spi.StartContext;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Connects each container through its own slirp4netns (Debian package {@code slirp4netns}): once
 * the container's init exists, slirp4netns gives its network namespace {@code tap0} with
 * {@value #ADDRESS}/24, a default route by {@value #GATEWAY} and outbound TCP/UDP through the
 * host's sockets, without root, veths or iptables. Published ports listen on the host's
 * {@code 127.0.0.1} and are forwarded by slirp4netns itself. The host's own loopback services are
 * out of the container's reach ({@code --disable-host-loopback}) unless
 * {@link Builder#hostLoopback(boolean)} lets it reach them at {@value #GATEWAY}.
 *
 * <p>The helper lives as long as the container's init: a watcher (pidwait, else tail --pid) holds
 * the pipe slirp4netns takes as its exit descriptor, so slirp4netns ends when the init does, even
 * after the JVM that started it died (a detached container keeps its network). Closing the
 * attachment ends both at once and removes their files; {@link #reclaim} does the same from the
 * pid files in the run directory after a crash.
 *
 * <p>Serves specs that name it ({@code Network.custom(name())}) and, when a runtime routes them
 * here (rootless mode), {@link Network#DEFAULT} and {@link Network#BRIDGE}: each container gets a
 * user-mode network of its own; {@link Network#DISABLED} keeps loopback only.
 *
 * <p>slirp4netns rather than pasta: on this project's Debian 12 host, slirp4netns had the
 * namespace configured 11 ms after launch (mean of 10), pasta 45-66 ms; and pasta, run as root,
 * drops to {@code nobody} and cannot open a root container's namespace by path.
 */
public final class UserModeNetwork implements NetworkStrategy {
  /** The container's address (slirp4netns's recommended one with {@code --configure}). */
  public static final String ADDRESS = "10.0.2.100";
  /** The gateway, which is also the host's loopback when {@link Builder#hostLoopback} allows it. */
  public static final String GATEWAY = "10.0.2.2";
  /** slirp4netns's built-in DNS forwarder. */
  public static final String DNS = "10.0.2.3";
  /** The interface inside the container. */
  public static final String INTERFACE = "tap0";

  private final String name;
  private final Path slirp4netns;
  private final boolean hostLoopback;

  private UserModeNetwork(Builder b) {
    this.name = b.name;
    this.slirp4netns = b.slirp4netns;
    this.hostLoopback = b.hostLoopback;
  }

  /** A builder: named {@code usermode}, slirp4netns from the PATH, host loopback out of reach. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public boolean publishesPorts() {
    return true;
  }

  /** Whether containers reach the host's loopback services at {@value #GATEWAY}. */
  public boolean hostLoopback() {
    return hostLoopback;
  }

  /**
   * Nothing is held before the clone: the helper needs the init's namespaces. The address is known
   * already, so the /etc files see it; host ports follow once they are bound.
   */
  @Override
  public Attachment prepare(StartContext ctx) throws IOException {
    ContainerSpec spec = ctx.spec();
    boolean ownNetns = spec.namespaces().contains(Namespace.NET);
    if (!ownNetns || spec.network() == Network.DISABLED) {
      if (!spec.ports().isEmpty()) {
        throw new InvalidSpecException("container '" + spec.name() + "' publishes ports but has no network of its own"
            + " (" + (ownNetns ? "network " + spec.network().cliName() : "the host's network namespace")
            + "): use Network.DEFAULT or Network.BRIDGE");
      }
      return Attachment.none();
    }
    Path tool = SlirpProcess.locate(slirp4netns, spec.name());
    Map<Integer, Integer> asked = new LinkedHashMap<>();
    spec.ports().forEach(p -> asked.put(p.containerPort(), p.hostPort()));
    ctx.publish(NetworkFacts.class, new NetworkFacts(ADDRESS, GATEWAY, asked));
    return new UserModeAttachment(ctx, tool, hostLoopback);
  }

  /** Ends the helper and watcher a crashed JVM's container left, and removes their files. */
  @Override
  public void reclaim(String container, Path runDir) {
    SlirpProcess.reclaim(runDir);
  }

  @Override
  public String toString() {
    return "user-mode network " + name + " (" + (slirp4netns == null ? "slirp4netns" : slirp4netns)
        + (hostLoopback ? ", host loopback reachable" : "") + ")";
  }

  /** Builds a {@link UserModeNetwork}. */
  public static final class Builder {
    private String name = "usermode";
    private Path slirp4netns;
    private boolean hostLoopback;

    private Builder() {}

    /** The name specs give {@link Network#custom(String)}; {@code usermode} unless set. */
    public Builder name(String name) {
      this.name = Network.custom(Objects.requireNonNull(name, "name")).name(); // validates it
      return this;
    }

    /** The slirp4netns program; unless set, the one on the PATH. */
    public Builder slirp4netns(Path program) {
      this.slirp4netns = Objects.requireNonNull(program, "program");
      return this;
    }

    /**
     * Whether containers reach services on the host's loopback (at {@value #GATEWAY}); off
     * unless set: a user-mode network otherwise hands every local port of the host to them.
     */
    public Builder hostLoopback(boolean reachable) {
      this.hostLoopback = reachable;
      return this;
    }

    public UserModeNetwork build() {
      return new UserModeNetwork(this);
    }
  }
}
