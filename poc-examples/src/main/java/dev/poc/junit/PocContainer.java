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
  private boolean reuse;
  /** A reusable container's runtime and name (found running, or started here); null otherwise. */
  private volatile ContainerRuntime reusedOn;
  private volatile String reusedName;
  private final List<Consumer<OutputFrame>> logConsumers = new ArrayList<>();
  private final List<PocContainer> dependencies = new ArrayList<>();
  private final List<PocContainer> startedDependencies = new ArrayList<>();
  private volatile LogBuffer logs = new LogBuffer("");
  /** The thread that reads its log; cancelled to stop reading a reused container's. */
  private volatile CompletableFuture<Optional<ExitStatus>> logReader = CompletableFuture.completedFuture(Optional.empty());
  /** Done once the reader is done and the log's last line, even one without a newline, is kept. */
  private volatile CompletableFuture<Optional<ExitStatus>> follower = logReader;

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
    if (foundName() != null) {
      reusedOn.copyFromContainer(foundName(), containerPath, hostPath);
      return;
    }
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

  /**
   * Keeps it running after the test and reuses it in later runs (Testcontainers' withReuse): only
   * when the user enabled reuse too, with the system property {@code poc.reuse.enable=true} or
   * {@code POC_REUSE_ENABLE=true}; otherwise this does nothing. A reusable container runs detached
   * on the runtime of the user's settings ({@code poc.stateRoot} or {@code POC_STATE_ROOT}, else
   * {@code /var/lib/poc_container}), labelled {@code poc.reuse.hash} with the hash of its spec; a
   * start with the same spec uses the running one, a changed spec starts another. {@link #stop()}
   * leaves it running: {@code poc stop NAME} or {@code poc rm -f NAME} ends it.
   */
  public PocContainer withReuse(boolean reuse) {
    this.reuse = reuse;
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
    boolean reusing = reuse && Reuse.enabled();
    if (reusing && pocNetwork != null) {
      throw new IllegalStateException("a reusable container cannot join a PocNetwork, which goes at the end of its"
          + " test: use withNetwork(Network.BRIDGE), or drop withReuse(true)");
    }
    if (pocNetwork != null) {
      pocNetwork.ensureCreated(runtime);
    }
    ContainerRuntime target = reusing ? Reuse.runtime() : runtime;
    String name = namePrefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    ContainerSpec.Builder b = target.container().name(name).command(new ArrayList<>(command)).rootfs(rootfs).network(network)
        .addAllNetworkAliases(networkAliases)
        .putAllEnv(env).addAllMounts(binds).stopTimeout(stopTimeout)
        .stdin(Stdio.DISCARD).stdout(Stdio.LOG).stderr(Stdio.LOG);
    exposedPorts.forEach(b::publish);
    customizer.accept(b);
    if (reusing) {
      String hash = Reuse.hash(b.name(namePrefix + "-reuse").detached(true).build());
      name = namePrefix + "-" + hash.substring(0, 12);
      b.name(name).putLabels(Reuse.LABEL, hash);
      reusedOn = target;
      Optional<dev.poc.RunInfo> found = Reuse.find(target, hash);
      if (found.isPresent()) {
        reusedName = found.get().name();
        container = null;
        follow(reusedName);
        awaitReady(false);
        return this;
      }
      reusedName = name;
    }
    ContainerSpec spec = b.build();
    HostReadiness.require(target.checks(spec), "container '" + name + "'");
    Container c;
    try {
      c = target.start(spec);
    } catch (dev.poc.NameInUseException e) {
      if (!reusing) {
        throw e;
      }
      return useTheOneAnotherRunStarts(target, spec, e);
    }
    container = c;
    follow(name);
    awaitReady(true);
    return this;
  }

  /**
   * Another JVM started the same reusable container a moment ago (it holds the name, its state is
   * not written yet): waits until it shows up running, and uses it.
   */
  private PocContainer useTheOneAnotherRunStarts(ContainerRuntime target, ContainerSpec spec, RuntimeException clash) {
    String hash = spec.labels().get(Reuse.LABEL);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      Optional<dev.poc.RunInfo> found = Reuse.find(target, hash);
      if (found.isPresent()) {
        reusedName = found.get().name();
        container = null;
        follow(reusedName);
        awaitReady(false);
        return this;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    throw clash;
  }

  /**
   * Keeps and forwards its output: from the container started here, or from the log of the
   * reusable one found running.
   */
  private void follow(String name) {
    LogBuffer buffer = new LogBuffer(forwardLogs ? "[" + name + "] " : null);
    logs = buffer;
    List<Consumer<OutputFrame>> consumers = List.copyOf(logConsumers);
    Consumer<OutputFrame> all = frame -> {
      buffer.accept(frame);
      consumers.forEach(consumer -> consumer.accept(frame));
    };
    logReader = container != null ? container.followOutput(all) : reusedOn.followOutput(name, 0, all);
    // Awaited, not the reader itself: a wait on the reader may return before its dependent
    // finish() has kept a last line without a newline, which logLines() would then miss.
    follower = logReader.whenComplete((exit, failure) -> buffer.finish());
  }

  /** Waits for its strategy; a container started here that never gets ready is stopped. */
  private void awaitReady(boolean startedHere) {
    try {
      (startupTimeout != null ? waitStrategy.withTimeout(startupTimeout) : waitStrategy).waitUntilReady(this);
    } catch (RuntimeException | Error e) {
      if (startedHere && reusedName != null) {
        reusedOn.stop(reusedName, stopTimeout); // a reusable container that never got ready is no use later
      }
      stop();
      throw e;
    }
  }

  /** Starts it on a runtime of its own process-wide state root (outside {@link PocTest} classes). */
  public PocContainer start() {
    return start(StandaloneRuntime.get());
  }

  /** Its name (prefix and random suffix; a reusable one's: prefix and spec hash); known once started. */
  public String name() {
    String reused = foundName();
    return reused != null ? reused : running().name();
  }

  /**
   * The underlying container; not for a reusable container that an earlier run started (use this
   * class's own methods, or the runtime's by-name ones, for that).
   */
  public Container container() {
    return running();
  }

  /** Whether its command runs. */
  public boolean isRunning() {
    Container c = container;
    if (c != null) {
      return c.isRunning();
    }
    return foundName() != null && reusedInfo().isPresent();
  }

  /** Its IPv4 address on its network (BRIDGE or DEFAULT). */
  public String address() {
    return addressIfAny().orElseThrow(() -> new IllegalStateException("container '" + name()
        + "' has no address: its network is " + network.cliName() + "; use .withNetwork(Network.BRIDGE)"));
  }

  Optional<String> addressIfAny() {
    return foundName() != null ? requireReused().address() : running().address();
  }

  /** The host pid of its init. */
  int pid() {
    return foundName() != null ? requireReused().pid() : running().pid();
  }

  /** A reusable container's name when an earlier run started it (no {@link Container} here), else null. */
  private String foundName() {
    return container == null ? reusedName : null;
  }

  private Optional<dev.poc.RunInfo> reusedInfo() {
    String n = reusedName;
    return reusedOn.runs().stream().filter(r -> r.name().equals(n)).findFirst();
  }

  private dev.poc.RunInfo requireReused() {
    return reusedInfo().orElseThrow(() -> new IllegalStateException("the reused container '" + reusedName
        + "' no longer runs under " + reusedOn.stateRoot()));
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
      return foundName() != null ? requireReused().hostPorts().get(containerPort) : running().hostPort(containerPort);
    } catch (InvalidSpecException e) {
      return null;
    }
  }

  /** Runs {@code command} inside and waits for it (Testcontainers' execInContainer). */
  public ExecResult exec(String... command) {
    try (ContainerProcess p = foundName() != null ? reusedOn.exec(foundName(), dev.poc.ExecSpec.of(command))
        : running().exec(command)) {
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
    boolean ended = c != null ? !c.isRunning() : foundName() != null && !isRunning();
    if (ended) {
      awaitFollower(); // it has ended: its log is complete, and the follower reads to its end
    }
    return logs.lines();
  }

  String exitDescription() {
    Container c = container;
    if (c == null) {
      return foundName() == null ? "never started" : isRunning() ? "still running" : "ended (a reused container)";
    }
    return c.isRunning() ? "still running" : c.exitStatus().toString();
  }

  /**
   * Stops and removes it (SIGTERM, then SIGKILL after the stop timeout); a no-op when it is not
   * running. A reusable container is left running (see {@link #withReuse(boolean)}): this only
   * lets go of it.
   */
  public synchronized void stop() {
    Container c = container;
    if (reusedName != null) {
      logReader.cancel(true); // it keeps running, and its log keeps growing; this object stops reading it
      container = null;
      reusedName = null;
    } else if (c != null) {
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
      System.err.println("poc: following the output of " + name() + " failed: " + e.getCause());
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
