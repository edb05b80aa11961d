package dev.poc.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poc.ExitStatus;
import dev.poc.StartFailedException;
import dev.poc.spi.Attachment;
import dev.poc.spi.NetworkFacts;
import dev.poc.spi.NetworkStrategy;
import dev.poc.spi.StartContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link NetworkStrategy} that connects containers through a CNI plugin (e.g. the standard
 * {@code bridge} plugin with {@code host-local} addresses), invoked as the CNI specification says:
 * the plugin named by the configuration's {@code type}, found in the plugin directory, run with
 * {@code CNI_COMMAND}, {@code CNI_CONTAINERID}, {@code CNI_NETNS}, {@code CNI_IFNAME} and
 * {@code CNI_PATH} in its environment and the network configuration on its stdin.
 *
 * <p>ADD runs once the container's init exists and before its command starts; the address in the
 * plugin's result becomes {@link dev.poc.Container#address()}. The strategy holds the container's
 * network namespace open from then on (a descriptor of this JVM's, handed to the plugins as
 * {@code /proc/JVMPID/fd/N}), so DEL at release still finds the namespace and removes the
 * interface itself, although the container's processes are gone, and no other process's
 * namespace can be mistaken for it. For a container whose JVM died, the next runtime's reclaim
 * runs DEL without a namespace: the container's name is its CNI container id, so the address is
 * released, and the kernel removes the veth pair with the namespace.
 *
 * <p>Written only against poc's exported packages ({@code dev.poc}, {@code dev.poc.spi}).
 *
 * <pre>{@code
 * CniNetwork cni = CniNetwork.of("cni", Path.of("/usr/lib/cni"), configJson);
 * try (ContainerRuntime rt = ContainerRuntime.builder().network(cni).build();
 *      Container c = rt.container().name("web").network(Network.custom("cni")).command("httpd", "-f").start()) {
 *   c.address(); // from the plugin's result
 * }
 * }</pre>
 */
public final class CniNetwork implements NetworkStrategy {
  private static final Logger LOG = LoggerFactory.getLogger(CniNetwork.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The interface the plugin makes inside the container. */
  public static final String IF_NAME = "eth0";

  private final String name;
  private final Path pluginDir;
  private final ObjectNode config;
  private final Path plugin;

  private CniNetwork(String name, Path pluginDir, ObjectNode config) {
    this.name = name;
    this.pluginDir = pluginDir;
    this.config = config;
    String type = config.path("type").asText("");
    if (type.isEmpty() || type.contains("/")) {
      throw new IllegalArgumentException("CNI network configuration " + config.path("name").asText("?")
          + " has no plugin 'type' (or one with a '/'): give the plugin's file name, e.g. \"type\": \"bridge\"");
    }
    this.plugin = pluginDir.resolve(type);
    if (!Files.isExecutable(plugin)) {
      throw new IllegalArgumentException("CNI plugin " + plugin + " (the configuration's type) is missing or not "
          + "executable: install the CNI plugins (Debian: containernetworking-plugins) or fix the plugin directory");
    }
  }

  /**
   * A strategy named {@code name} (what specs give {@code Network.custom}) that runs the plugins of
   * {@code pluginDir} with {@code configJson}, one network configuration (with {@code cniVersion},
   * {@code name}, {@code type}, and what the plugin reads, e.g. {@code bridge} and {@code ipam}).
   */
  public static CniNetwork of(String name, Path pluginDir, String configJson) {
    JsonNode parsed;
    try {
      parsed = JSON.readTree(configJson);
    } catch (IOException e) {
      throw new IllegalArgumentException("CNI network configuration is not JSON: " + e.getMessage(), e);
    }
    if (!(parsed instanceof ObjectNode object) || !object.hasNonNull("cniVersion") || !object.hasNonNull("name")) {
      throw new IllegalArgumentException("CNI network configuration needs an object with cniVersion, name and type: "
          + configJson);
    }
    return new CniNetwork(Objects.requireNonNull(name, "name"), pluginDir, object);
  }

  @Override
  public String name() {
    return name;
  }

  /** Nothing to reserve before the clone: the plugin needs the container's namespace, which comes later. */
  @Override
  public Attachment prepare(StartContext ctx) {
    return new Link(ctx);
  }

  /** DEL for a container whose JVM died; harmless when ADD never ran or DEL already did. */
  @Override
  public void reclaim(String container, Path runDir) throws IOException {
    del(container);
  }

  /** One container's attachment: ADD at onCreated, DEL at close. */
  private final class Link implements Attachment {
    private final StartContext ctx;
    private final AtomicBoolean added = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** The container's network namespace, held open until DEL; and its path for the plugins. */
    private volatile NetnsHandle netns;

    Link(StartContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public void onCreated(int initPid) throws IOException {
      netns = NetnsHandle.open(initPid);
      added.set(true); // a failed ADD may have done part of its work: DEL undoes it
      JsonNode result = run("ADD", ctx.name(), netns.path());
      Optional<String> address = Optional.empty();
      Optional<String> gateway = Optional.empty();
      for (JsonNode ip : result.path("ips")) {
        String cidr = ip.path("address").asText("");
        if (cidr.contains(".")) { // the first IPv4 address
          address = Optional.of(cidr.substring(0, cidr.indexOf('/')));
          gateway = Optional.ofNullable(ip.path("gateway").textValue());
          break;
        }
      }
      ctx.publish(NetworkFacts.class, new NetworkFacts(address.orElse(null), gateway.orElse(null), Map.of()));
      LOG.debug("CNI {} gave '{}' {}", name, ctx.name(), address.orElse("no IPv4 address"));
    }

    @Override
    public ExitStatus onExited(ExitStatus status) {
      return status;
    }

    @Override
    public void close() {
      if (!added.get() || !closed.compareAndSet(false, true)) {
        return;
      }
      try {
        run("DEL", ctx.name(), netns.path());
      } catch (IOException | RuntimeException e) {
        LOG.warn("CNI DEL of '{}' on network {} failed: {}", ctx.name(), name, e.toString());
      } finally {
        netns.close();
      }
    }
  }

  private void del(String container) throws IOException {
    run("DEL", container, "");
  }

  /**
   * A network namespace held open by this JVM: {@code /proc/JVMPID/fd/N} names it for as long as
   * the descriptor is open, whatever becomes of the processes that were in it.
   */
  private record NetnsHandle(java.nio.channels.FileChannel channel, String path) implements AutoCloseable {
    static NetnsHandle open(int initPid) throws IOException {
      Path ns = Path.of("/proc/" + initPid + "/ns/net");
      String target = Files.readSymbolicLink(ns).toString(); // net:[inode]
      java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(ns, java.nio.file.StandardOpenOption.READ);
      // the only descriptor of this JVM's on that namespace is the one just opened (the runtime
      // holds none), so the one whose link names it is ours
      for (String fd : descriptors()) {
        if (target.equals(readLinkOrEmpty(Path.of("/proc/self/fd", fd)))) {
          return new NetnsHandle(channel, "/proc/" + ProcessHandle.current().pid() + "/fd/" + fd);
        }
      }
      channel.close();
      throw new IOException("cannot find the descriptor of " + ns + " just opened in /proc/self/fd");
    }

    private static java.util.Set<String> descriptors() throws IOException {
      try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
        return fds.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet());
      }
    }

    private static String readLinkOrEmpty(Path link) {
      try {
        return Files.readSymbolicLink(link).toString();
      } catch (IOException e) {
        return ""; // closed meanwhile
      }
    }

    @Override
    public void close() {
      try {
        channel.close();
      } catch (IOException e) {
        // nothing left to release
      }
    }
  }

  /** Runs the plugin; returns its result (empty for DEL), or throws with the plugin's own error. */
  private JsonNode run(String command, String container, String netns) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(plugin.toString());
    Map<String, String> env = pb.environment();
    env.clear();
    env.put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    env.put("CNI_COMMAND", command);
    env.put("CNI_CONTAINERID", container);
    env.put("CNI_NETNS", netns);
    env.put("CNI_IFNAME", IF_NAME);
    env.put("CNI_PATH", pluginDir.toString());
    pb.redirectError(ProcessBuilder.Redirect.PIPE);
    Process p = pb.start();
    CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
    try (var stdin = p.getOutputStream()) {
      stdin.write(JSON.writeValueAsBytes(config));
    }
    byte[] out = p.getInputStream().readAllBytes();
    int code;
    try {
      code = p.waitFor();
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while CNI " + command + " ran for '" + container + "'", e);
    }
    String text = new String(out, StandardCharsets.UTF_8).trim();
    if (code != 0) {
      String why = text;
      try {
        JsonNode error = JSON.readTree(text);
        why = error.path("msg").asText(text) + (error.hasNonNull("details") ? " (" + error.get("details").asText() + ")" : "");
      } catch (IOException notJson) {
        // the plugin printed something else: show it as it is
      }
      String stderr = new String(err.join(), StandardCharsets.UTF_8).trim();
      throw new StartFailedException("CNI " + command + " of container '" + container + "' on network " + name + " ("
          + plugin + ") failed with exit code " + code + ": " + why + (stderr.isEmpty() ? "" : "; stderr: " + stderr)
          + ": check the network configuration and that the plugins in " + pluginDir + " are installed");
    }
    return text.isEmpty() ? JSON.createObjectNode() : JSON.readTree(text);
  }

  private static byte[] readAll(java.io.InputStream in) {
    try {
      return in.readAllBytes();
    } catch (IOException e) {
      return new byte[0];
    }
  }

  @Override
  public String toString() {
    return "CNI network " + name + " (" + plugin + ")";
  }
}
