package dev.poc.junit;

import dev.poc.BindMount;
import dev.poc.Container;
import dev.poc.ContainerProcess;
import dev.poc.ContainerRuntime;
import dev.poc.ContainerSpec;
import dev.poc.InvalidSpecException;
import dev.poc.ExitStatus;
import dev.poc.Network;
import dev.poc.OutputFrame;
import dev.poc.Rootfs;
import dev.poc.Stdio;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A container for a test: declared with {@code with...} calls (on a {@link Managed} field, or in
 * code), started by the {@link PocTest} extension or by {@link #start(ContainerRuntime)}, removed by
 * {@link #close()}. Its stdout and stderr go to its log (never blocking it), are kept (see {@link #logs()}) and forwarded to the test's
 * output with a {@code [name]} prefix. The root filesystem is the host's programs unless set, so
 * {@code busybox}, {@code sh} and the host's tools are there without downloading anything.
 */
public class PocContainer implements AutoCloseable {
  private List<String> command;
  private Duration startupTimeout;
  private String namePrefix = "poc";
  private Rootfs rootfs = Rootfs.host();
  private Network network = Network.DISABLED;
  private PocNetwork pocNetwork;
  private final List<String> networkAliases = new ArrayList<>();
  private final Map<String, String> env = new LinkedHashMap<>();
  private final List<Integer> exposedPorts = new ArrayList<>();
  private final List<BindMount> binds = new ArrayList<>();
  private WaitStrategy waitStrategy = Wait.none();
  private Duration stopTimeout = Duration.ofSeconds(2);
  private boolean forwardLogs = true;
  private Consumer<ContainerSpec.Builder> customizer = b -> {};

  private volatile Container container;
  private final List<Consumer<OutputFrame>> logConsumers = new ArrayList<>();
  private final List<PocContainer> dependencies = new ArrayList<>();
  private final List<PocContainer> startedDependencies = new ArrayList<>();
  private volatile LogBuffer logs = new LogBuffer("");
  private volatile CompletableFuture<Optional<ExitStatus>> follower = CompletableFuture.completedFuture(Optional.empty());

  /** A container that will run {@code command}. */
  public PocContainer(String... command) {
    if (command.length == 0) {
      throw new IllegalArgumentException("a PocContainer needs a command, e.g. new PocContainer(\"sleep\", \"1000\")");
    }
    this.command = List.of(command);
  }

  private PocContainer(Rootfs rootfs) {
    this.command = List.of();
    this.rootfs = rootfs;
  }

  /**
   * A container of a registry image, as Testcontainers' {@code new GenericContainer("redis:7")}:
   * pulled into the runtime's state root on first start (mirrors and credentials as
   * {@link dev.poc.image.RegistrySettings#fromEnvironment()} says), run with its own Entrypoint,
   * Cmd, Env, WorkingDir and User unless set here.
   */
  public static PocContainer image(String name) {
    return new PocContainer(Rootfs.image(name));
  }

  /**
   * Replaces the command given to the constructor (Testcontainers' withCommand); for an
   * {@link #image(String)} container it replaces the image's Cmd.
   */
  public PocContainer withCommand(String... command) {
    if (command.length == 0) {
      throw new IllegalArgumentException("withCommand() needs a command, e.g. withCommand(\"sleep\", \"1000\")");
    }
    this.command = List.of(command);
    return this;
  }

  /** How long its wait strategy may take (unless set: the strategy's own, 30 s for {@link Wait}'s). */
  public PocContainer withStartupTimeout(Duration timeout) {
    this.startupTimeout = timeout;
    return this;
  }

  /** The start of its name; a random suffix keeps parallel tests apart (default "poc"). */
  public PocContainer withNamePrefix(String prefix) {
    this.namePrefix = prefix;
    return this;
  }

  /** Its root filesystem (default: {@link Rootfs#host()}). */
  public PocContainer withRootfs(Rootfs rootfs) {
    this.rootfs = rootfs;
    return this;
  }

  /**
   * Joins a named network (Testcontainers' {@code withNetwork(Network.newNetwork())}), made when
   * the first of its containers starts: the others on it reach this one by its name and its
   * {@link #withNetworkAliases aliases}.
   */
  public PocContainer withNetwork(PocNetwork network) {
    this.pocNetwork = network;
    this.network = network.network();
    return this;
  }

  /** More names the other members of its {@link #withNetwork(PocNetwork) network} reach it by. */
  public PocContainer withNetworkAliases(String... aliases) {
    networkAliases.addAll(List.of(aliases));
    return this;
  }

  /** How it is connected (default: {@link Network#DISABLED}, loopback only). */
  public PocContainer withNetwork(Network network) {
    this.pocNetwork = null;
    this.network = network;
    return this;
  }

  /** An environment variable. */
  public PocContainer withEnv(String key, String value) {
    env.put(key, value);
    return this;
  }

  /** Container TCP ports to publish on free host ports of 127.0.0.1 (see {@link #port(int)}). */
  public PocContainer withExposedPorts(int... ports) {
    for (int p : ports) {
      exposedPorts.add(p);
    }
    return this;
  }

  /** A host path bound into the container. */
  public PocContainer withBind(Path hostPath, String containerPath, boolean readOnly) {
    binds.add(BindMount.of(hostPath, containerPath, readOnly));
    return this;
  }

  /** When it counts as started (default: as soon as the command runs). */
  public PocContainer waitingFor(WaitStrategy strategy) {
    this.waitStrategy = strategy;
    return this;
  }

  /** How long {@link #close()} waits after SIGTERM before SIGKILL (default 2 s). */
  public PocContainer withStopTimeout(Duration timeout) {
    this.stopTimeout = timeout;
    return this;
  }

  /** Whether its output is copied to the test's output with a {@code [name]} prefix (default true). */
  public PocContainer withLogForwarding(boolean forward) {
    this.forwardLogs = forward;
    return this;
  }

  /**
   * Also hands its output to {@code consumer}, frame by frame, from its first byte to its last
   * (Testcontainers' withLogConsumer); e.g. {@code new Slf4jLogConsumer(logger)}.
   */
  public PocContainer withLogConsumer(Consumer<OutputFrame> consumer) {
    logConsumers.add(consumer);
    return this;
  }

  /** A fresh tmpfs at each path, with its mount options ("" for the defaults, e.g. "size=64m"). */
  public PocContainer withTmpFs(Map<String, String> mounts) {
    return withSpec(b -> b.putAllTmpfs(mounts));
  }

  /** A label recorded with the container. */
  public PocContainer withLabel(String key, String value) {
    return withSpec(b -> b.putLabels(key, value));
  }

  /** The command's working directory. */
  public PocContainer withWorkingDirectory(String dir) {
    return withSpec(b -> b.cwd(dir));
  }

  /** Runs the command as {@code user}: a name of the rootfs's /etc/passwd, "uid" or "uid:gid". */
  public PocContainer withUser(String user) {
    return withSpec(b -> b.user(user));
  }

  /** The size of /dev/shm in bytes (64 MiB unless set). */
  public PocContainer withSharedMemorySize(long bytes) {
    return withSpec(b -> b.shmBytes(bytes));
  }

  /**
   * Runs it privileged ({@link dev.poc.ContainerSpec#privileged()}): every capability and no seccomp
   * filter. It gives up what keeps the container's root from being the host's root (it can mount,
   * load kernel modules, reach hardware); poc still masks /proc paths and keeps its device filter.
   */
  public PocContainer withPrivilegedMode(boolean privileged) {
    return withSpec(b -> b.privileged(privileged));
  }

  /** Copies a host file or directory to {@code containerPath} before the command starts. */
  public PocContainer withCopyToContainer(Path hostPath, String containerPath) {
    return withSpec(b -> b.copyToContainer(hostPath, containerPath));
  }

  /** Puts {@code content} as the file {@code containerPath} (with {@code mode}, e.g. 0644) before the command starts. */
  public PocContainer withCopyToContainer(byte[] content, int mode, String containerPath) {
    return withSpec(b -> b.copyToContainer(content, mode, containerPath));
  }

  /** Copies {@code containerPath} (a file or a tree) out to {@code hostPath} (Testcontainers' copyFileFromContainer). */
  public void copyFileFromContainer(String containerPath, Path hostPath) {
    running().copyFromContainer(containerPath, hostPath);
  }

  /**
   * Containers started before this one (each when not already running) and stopped after it, in
   * reverse order.
   */
  public PocContainer dependsOn(PocContainer... others) {
    dependencies.addAll(List.of(others));
    return this;
  }

  /** Anything else the spec offers (limits, user, hostname...), applied last. */
  public PocContainer withSpec(Consumer<ContainerSpec.Builder> customizer) {
    this.customizer = this.customizer.andThen(customizer);
    return this;
  }

  /** Starts it on {@code runtime} and waits until it is ready; a no-op when it already runs. */
  public synchronized PocContainer start(ContainerRuntime runtime) {
    if (isRunning()) {
      return this;
    }
    for (PocContainer d : dependencies) {
      if (!d.isRunning()) {
        d.start(runtime);
        startedDependencies.add(d);
      }
    }
    if (pocNetwork != null) {
      pocNetwork.ensureCreated(runtime);
    }
    String name = namePrefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    ContainerSpec.Builder b = runtime.container().name(name).command(new ArrayList<>(command)).rootfs(rootfs).network(network)
        .addAllNetworkAliases(networkAliases)
        .putAllEnv(env).addAllMounts(binds).stopTimeout(stopTimeout)
        .stdin(Stdio.DISCARD).stdout(Stdio.LOG).stderr(Stdio.LOG);
    exposedPorts.forEach(b::publish);
    customizer.accept(b);
    ContainerSpec spec = b.build();
    HostReadiness.require(runtime.checks(spec), "container '" + name + "'");
    Container c = runtime.start(spec);
    LogBuffer buffer = new LogBuffer(forwardLogs ? "[" + name + "] " : null);
    logs = buffer;
    List<Consumer<OutputFrame>> consumers = List.copyOf(logConsumers);
    follower = c.followOutput(frame -> {
      buffer.accept(frame);
      consumers.forEach(consumer -> consumer.accept(frame));
    });
    follower.whenComplete((exit, failure) -> buffer.finish());
    container = c;
    try {
      (startupTimeout != null ? waitStrategy.withTimeout(startupTimeout) : waitStrategy).waitUntilReady(this);
    } catch (RuntimeException | Error e) {
      stop();
      throw e;
    }
    return this;
  }

  /** Starts it on a runtime of its own process-wide state root (outside {@link PocTest} classes). */
  public PocContainer start() {
    return start(StandaloneRuntime.get());
  }

  /** Its name (prefix and random suffix); known once started. */
  public String name() {
    return running().name();
  }

  /** The underlying container. */
  public Container container() {
    return running();
  }

  /** Whether its command runs. */
  public boolean isRunning() {
    Container c = container;
    return c != null && c.isRunning();
  }

  /** Its IPv4 address on its network (BRIDGE or DEFAULT). */
  public String address() {
    return running().address().orElseThrow(() -> new IllegalStateException("container '" + name()
        + "' has no address: its network is " + network.cliName() + "; use .withNetwork(Network.BRIDGE)"));
  }

  /** The host to reach published ports on. */
  public String host() {
    return "127.0.0.1";
  }

  /** The host port that container port {@code containerPort} is published on. */
  public int port(int containerPort) {
    Integer p = publishedPort(containerPort);
    if (p == null) {
      throw new IllegalStateException("container port " + containerPort + " of '" + name()
          + "' is not published: add .withExposedPorts(" + containerPort + ")");
    }
    return p;
  }

  java.util.Optional<Integer> firstExposedPort() {
    return exposedPorts.stream().findFirst();
  }

  Integer publishedPort(int containerPort) {
    if (!exposedPorts.contains(containerPort)) {
      return null;
    }
    try {
      return running().hostPort(containerPort);
    } catch (InvalidSpecException e) {
      return null;
    }
  }

  /** Runs {@code command} inside and waits for it (Testcontainers' execInContainer). */
  public ExecResult exec(String... command) {
    try (ContainerProcess p = running().exec(command)) {
      CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.stderr()));
      byte[] out = readAll(p.stdout());
      int code = p.waitFor();
      byte[] errBytes = err.join();
      return new ExecResult(code, new String(out, StandardCharsets.UTF_8), new String(errBytes, StandardCharsets.UTF_8),
          out, errBytes);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + String.join(" ", command) + " in " + name(), e);
    }
  }

  /** As {@link #exec(String...)}: Testcontainers' name for it. */
  public ExecResult execInContainer(String... command) {
    return exec(command);
  }

  private static byte[] readAll(InputStream in) {
    try {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Everything it has printed so far, stdout and stderr interleaved by line; after {@link #stop()},
   * every line it printed (its log is complete once it has ended).
   */
  public String logs() {
    return String.join("\n", logLines());
  }

  /** The lines it has printed so far; every line, once it has ended. */
  public List<String> logLines() {
    Container c = container;
    if (c != null && follower != null && !c.isRunning()) {
      awaitFollower(); // it has ended: its log is complete, and the follower reads to its end
    }
    return logs.lines();
  }

  String exitDescription() {
    Container c = container;
    return c == null ? "never started" : c.isRunning() ? "still running" : c.exitStatus().toString();
  }

  /** Stops and removes it (SIGTERM, then SIGKILL after the stop timeout); a no-op when it is not running. */
  public synchronized void stop() {
    Container c = container;
    if (c != null) {
      c.stop(stopTimeout);
      awaitFollower(); // the log is complete once the container has ended: every line is in
      c.close();
    }
    for (int i = startedDependencies.size() - 1; i >= 0; i--) {
      startedDependencies.get(i).stop(); // after this one, last started first
    }
    startedDependencies.clear();
  }

  private void awaitFollower() {
    try {
      follower.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.CancellationException e) {
      System.err.println("poc: following the output of " + container.name() + " failed: " + e.getCause());
    }
  }

  @Override
  public void close() {
    stop();
  }

  private Container running() {
    Container c = container;
    if (c == null) {
      throw new IllegalStateException("the container of " + command + " has not been started: annotate its field"
          + " with @Managed in a @PocTest class, or call start(runtime)");
    }
    return c;
  }

  @Override
  public String toString() {
    Container c = container;
    return "PocContainer[" + (c == null ? String.join(" ", command) + ", not started" : c.toString()) + "]";
  }
}
