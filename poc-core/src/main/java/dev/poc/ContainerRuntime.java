package dev.poc;

import dev.poc.cgroup.CgroupSetup;
import dev.poc.host.NativeThreads;
import dev.poc.host.HostChecks;
import dev.poc.host.Prerequisites;
import dev.poc.host.Tool;
import dev.poc.internal.ContainerNames;
import dev.poc.launch.ExecLauncher;
import dev.poc.launch.Launcher;
import dev.poc.launch.Release;
import dev.poc.launch.SpareHelpers;
import dev.poc.network.NetworkChecks;
import dev.poc.network.NetworkSetup;
import dev.poc.network.UserNetworks;
import dev.poc.namespace.LinuxNamespaces;
import dev.poc.spi.CgroupStrategy;
import dev.poc.spi.HostSetup;
import dev.poc.spi.NamespaceStrategy;
import dev.poc.spi.NetworkStrategy;
import dev.poc.state.NameLock;
import dev.poc.state.RunDirDisposal;
import dev.poc.state.OutputLog;
import dev.poc.state.RunState;
import dev.poc.state.RunningContainers;
import dev.poc.state.StateStore;
import dev.poc.storage.Storage;
import dev.poc.storage.StorageChecks;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns a state root and the host strategies (namespaces, cgroups, networks; see
 * {@link dev.poc.spi}), starts containers and cleans up after them. Opening a runtime reclaims
 * what a crashed JVM left under its state root. Thread-safe; one per state root per JVM is the
 * intended use.
 */
public final class ContainerRuntime implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ContainerRuntime.class);
  /** How long close() waits for a released container's helper to exit before it kills it. */
  private static final java.time.Duration HELPER_EXIT_WAIT = java.time.Duration.ofSeconds(2);
  /**
   * Where poc keeps its state unless told otherwise: for root where the seed kept it,
   * {@code /var/lib/poc_container}; for an ordinary user (rootless) {@code $XDG_RUNTIME_DIR/poc},
   * else {@code ~/.local/share/poc}.
   */
  public static final Path DEFAULT_STATE_ROOT = dev.poc.host.HostDirs.defaultStateRoot();
  /**
   * poc's host-wide state (name locks, leases, control sockets, the helper binary): root's alone,
   * or any user who can open a lock file could take a container's name or block its network. An
   * ordinary user's is that user's own, never shared with root's {@code /run/poc}.
   */
  static final Path HOST_STATE = dev.poc.host.HostDirs.hostState();
  private static volatile ContainerRuntime defaultRuntime;

  static {
    dev.poc.internal.Access.set(new ApiInternals());
  }

  private final Path stateRoot;
  private final NetworkSettings networkSettings;
  private final NamespaceStrategy namespaces;
  private final CgroupStrategy cgroups;
  private final NetworkSetup network;
  private final Map<String, NetworkStrategy> customNetworks;
  private final UserNetworks userNetworks;
  /** Set when this JVM is not root: the rootless strategies and refusals. */
  private final dev.poc.rootless.RootlessMode rootless;
  private final List<HostSetup> setups;
  private final Launcher launcher = new Launcher(this);
  private final SpareHelpers spareHelpers = new SpareHelpers();
  private final Storage storage;
  private final dev.poc.image.RegistryImages registryImages;
  private final Set<Container> live = ConcurrentHashMap.newKeySet();
  /**
   * Helpers whose container has ended and been released but which had not exited yet: the waiter
   * goes on at the helper's last word, not its exit (which follows within a millisecond or so),
   * and close() waits for them so that nothing of this runtime's outlives it.
   */
  private final Set<Process> exitingHelpers = ConcurrentHashMap.newKeySet();
  private final Thread shutdownHook = new Thread(this::closeLive, "poc-shutdown");
  private volatile boolean prerequisitesChecked;
  /** Set once a networked start found the firewall tools; they are not looked for again. */
  private volatile boolean firewallToolsFound;

  private ContainerRuntime(Builder b) {
    NativeThreads.startOutsideCallersGroup();
    this.stateRoot = (b.stateRoot != null ? b.stateRoot : PocSettings.stateRoot()).toAbsolutePath().normalize();
    this.networkSettings = b.network != null ? b.network : PocSettings.network();
    this.namespaces = b.namespaces;
    this.cgroups = b.cgroups;
    this.network = new NetworkSetup(networkSettings);
    this.customNetworks = Map.copyOf(b.customNetworks);
    this.userNetworks = new UserNetworks(stateRoot, network);
    this.rootless = b.rootless;
    // rootless: no bridge, veth or lease of root's to reclaim or prune
    List<HostSetup> all = new ArrayList<>(rootless != null ? List.of(namespaces, cgroups)
        : List.of(namespaces, cgroups, network, userNetworks));
    if (rootless != null) {
      all.addAll(rootless.reclaimedSetups());
    }
    all.addAll(b.customNetworks.values());
    this.setups = List.copyOf(all);
    this.storage = new Storage(this, stateRoot);
    this.registryImages = new dev.poc.image.RegistryImages(stateRoot, b.registries);
    createPrivate(stateRoot, "state root " + stateRoot,
        "pick a writable directory with ContainerRuntime.builder().stateRoot(...)");
    createPrivate(HOST_STATE, HOST_STATE + " (poc's host-wide locks and sockets)",
        rootless != null ? "make it writable for this user, or set XDG_RUNTIME_DIR to a directory of its own" : "run as root");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    reclaim();
  }

  /** Makes {@code dir}, if missing, and makes it root's alone. */
  private static void createPrivate(Path dir, String what, String remedy) {
    try {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    } catch (IOException e) {
      throw new PocException("cannot create " + what + ": " + e.getMessage() + ": " + remedy, e);
    }
  }

  /**
   * The runtime on the state root and network settings of {@link PocSettings} (system properties,
   * then environment, then {@link #DEFAULT_STATE_ROOT} and the seed's network), opened on first use.
   */
  public static ContainerRuntime defaultRuntime() {
    ContainerRuntime r = defaultRuntime;
    if (r == null) {
      synchronized (ContainerRuntime.class) {
        if (defaultRuntime == null) {
          defaultRuntime = builder().build();
        }
        r = defaultRuntime;
      }
    }
    return r;
  }

  /** A runtime on {@code stateRoot} with default settings. */
  public static ContainerRuntime open(Path stateRoot) {
    return builder().stateRoot(stateRoot).build();
  }

  /** A builder of runtimes. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder of a container on this runtime. */
  public ContainerSpec.Builder container() {
    return new ContainerSpec.Builder(this);
  }

  /** Starts a container; it runs when this returns. */
  public Container start(ContainerSpec spec) {
    return start(spec, null);
  }

  /** {@link #start}, with poc-init started by {@code spawner} (a native front's process); null: by this JVM. */
  Container start(ContainerSpec spec, dev.poc.launch.InitSpawner spawner) {
    if (!prerequisitesChecked) {
      if (rootless == null) {
        Prerequisites.check();
      } else {
        Prerequisites.checkRootless();
      }
      prerequisitesChecked = true;
    }
    requireNetworkTools(spec);
    return spawner == null ? launcher.start(spec) : launcher.start(spec, spawner);
  }

  /**
   * What a start of {@code spec} checks before it touches anything, each cheap: root with the
   * capabilities poc uses, the namespaces it makes, and the tools of the spec's network. A test
   * harness can skip on a "no" instead of failing at the start (the JUnit harness does).
   */
  public List<Check> checks(ContainerSpec spec) {
    if (rootless != null) {
      return Prerequisites.rootlessChecks();
    }
    List<Check> checks = new ArrayList<>(Prerequisites.checks());
    if (spec.namespaces().contains(Namespace.NET)) {
      checks.add(NetworkChecks.network(spec.network(), HostChecks.iptables(Tool.searchDirs(), false), networkSettings));
    }
    return checks;
  }

  /** Before anything is touched: a networked container needs iptables, and the error names the package. */
  private void requireNetworkTools(ContainerSpec spec) {
    if (firewallToolsFound || rootless != null || spec.network() == Network.DISABLED
        || !spec.namespaces().contains(Namespace.NET)) {
      return;
    }
    Check check = spec.network().check();
    if (!check.ok()) {
      throw NetworkChecks.failure(check);
    }
    firewallToolsFound = true;
  }

  /**
   * What this host offers poc (as {@code docker info}): kernel, namespaces, cgroup layout and
   * controllers, user namespaces, overlayfs in a user namespace, loop devices, iptables, this
   * runtime's state root and its free space, and which rootfs, network and cgroup strategies can
   * run here, each "no" with its reason and fix. Tries a few things in throw-away processes, so
   * it takes some milliseconds; changes nothing on the host.
   */
  public RuntimeInfo info() {
    return InfoProbe.probe(stateRoot, networkSettings);
  }

  /** Whether this runtime runs containers rootless (this JVM is not root); see {@link #info()}. */
  public boolean isRootless() {
    return rootless != null;
  }

  /**
   * As {@link #info()}, for a state root and network settings no runtime has opened (nothing is
   * created): what {@code poc info} prints.
   */
  public static RuntimeInfo info(Path stateRoot, NetworkSettings network) {
    return InfoProbe.probe(stateRoot, network);
  }

  /**
   * Runs a command inside the running container {@code name}, whether this runtime started it
   * or another process did (e.g. {@code poc run --detach}).
   *
   * @throws NotFoundException when no container of that name runs under this state root
   */
  public ContainerProcess exec(String name, ExecSpec spec) {
    Optional<Container> mine = runningHere(name);
    if (mine.isPresent()) {
      return mine.get().exec(spec);
    }
    RunningContainers.Run run = RunningContainers.require(this, name);
    return ExecLauncher.start(name, run.initPid(), run.hostname(), run.capabilities(), run.seccomp(), spec, this::helperExiting);
  }

  /**
   * Stops the running container {@code name}: SIGTERM, then SIGKILL after {@code grace}; returns
   * once its host pieces are released. Works for containers other processes started.
   *
   * @throws NotFoundException when no container of that name runs under this state root
   */
  public void stop(String name, java.time.Duration grace) {
    Optional<Container> mine = runningHere(name);
    if (mine.isPresent()) {
      mine.get().stop(grace);
    } else {
      RunningContainers.stop(this, name, grace);
    }
  }

  /**
   * The resource figures of the running container {@code name} from its cgroup (as
   * {@link Container#stats()}), whether this runtime started it or another process did.
   *
   * @throws NotFoundException when no container of that name runs under this state root
   */
  public ContainerStats stats(String name) {
    Optional<Container> mine = runningHere(name);
    if (mine.isPresent()) {
      return mine.get().stats();
    }
    RunningContainers.require(this, name);
    return cgroups.stats(name);
  }

  /**
   * The output log of container {@code name} from offset {@code since} on (0: all), whether it runs
   * or has ended, whichever process started it, until it is removed. See {@link Stdio#LOG}.
   *
   * @throws NotFoundException when there is no log of that name under this state root
   */
  public LogSnapshot logs(String name, long since) {
    return existingLog(name).read(since);
  }

  /**
   * Follows the log of container {@code name} (see {@link #logs(String, long)}) on a thread of its
   * own, handing each frame to {@code consumer}, until the container has ended and all is handed
   * over; the future completes then, with its exit when the log recorded one.
   */
  public java.util.concurrent.CompletableFuture<Optional<ExitStatus>> followOutput(String name, long since,
      java.util.function.Consumer<OutputFrame> consumer) {
    Optional<Container> mine = live.stream().filter(c -> c.name().equals(name)).findFirst();
    if (mine.isPresent()) {
      return mine.get().followOutput(consumer, since);
    }
    OutputLog log = existingLog(name);
    Path runDir = runDir(name);
    return log.follow(since, consumer, () -> RunState.read(runDir).map(s -> !RunState.helperAlive(s)).orElse(true),
        "poc-follow-" + name);
  }

  private OutputLog existingLog(String name) {
    ContainerNames.validate(name);
    OutputLog log = new OutputLog(stateRoot, name);
    if (!log.exists()) {
      throw new NotFoundException("container '" + name + "' has no log under " + stateRoot
          + ": it was never started with its output to Stdio.LOG, or it has been removed (see `poc ps -a`)");
    }
    return log;
  }

  /** After {@code c} was closed: its log goes, unless a new container of its name has begun one. */
  void removeLogIfOurs(Container c) {
    try {
      Optional<NameLock> lock = NameLock.tryAcquire(c.name());
      if (lock.isPresent()) {
        try (NameLock held = lock.get()) {
          c.log().remove();
        }
      }
    } catch (IOException e) {
      LOG.debug("removing the log of {} failed: {}", c.name(), e.toString());
    }
  }

  /**
   * The containers of this state root that have ended but not been removed (they left a log), by
   * name, with how they ended when their log says so ({@code poc ps -a}).
   */
  public java.util.SortedMap<String, Optional<ExitStatus>> ended() {
    java.util.SortedMap<String, Optional<ExitStatus>> out = new java.util.TreeMap<>();
    Path logs = OutputLog.root(stateRoot);
    if (!Files.isDirectory(logs)) {
      return out;
    }
    java.util.Set<String> running = new java.util.HashSet<>();
    runs().forEach(r -> running.add(r.name()));
    live.forEach(c -> running.add(c.name()));
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(logs)) {
      for (Path dir : dirs) {
        String name = dir.getFileName().toString();
        OutputLog log = new OutputLog(stateRoot, name);
        if (!running.contains(name) && log.exists()) {
          out.put(name, log.exit());
        }
      }
    } catch (IOException e) {
      throw new PocException("listing " + logs + ": " + e.getMessage(), e);
    }
    return out;
  }

  /**
   * Copies host {@code source} (file, directory or symlink) to {@code destination} inside the running
   * container {@code name}, whichever process started it; resolved inside its root.
   */
  public void copyToContainer(String name, Path source, String destination) {
    Optional<Container> mine = runningHere(name);
    if (mine.isPresent()) {
      mine.get().copyToContainer(source, destination);
      return;
    }
    RunningContainers.Run run = RunningContainers.require(this, name);
    try (dev.poc.host.RootFiles root = dev.poc.host.RootFiles.ofProcess(run.initPid(), "container '" + name + "'")) {
      root.copyIn(source, destination);
    } catch (IOException e) {
      throw new PocException("copying " + source + " into container '" + name + "' failed: " + e.getMessage(), e);
    }
  }

  /** Copies {@code source} inside the running container {@code name} out to {@code destination} on the host. */
  public void copyFromContainer(String name, String source, Path destination) {
    Optional<Container> mine = runningHere(name);
    if (mine.isPresent()) {
      mine.get().copyFromContainer(source, destination);
      return;
    }
    RunningContainers.Run run = RunningContainers.require(this, name);
    try (dev.poc.host.RootFiles root = dev.poc.host.RootFiles.ofProcess(run.initPid(), "container '" + name + "'")) {
      root.copyOut(source, destination);
    } catch (IOException e) {
      throw new PocException("copying " + source + " out of container '" + name + "' failed: " + e.getMessage(), e);
    }
  }

  /** The containers running under this state root, started by this process or any other, by name. */
  public List<RunInfo> runs() {
    return RunningContainers.list(this);
  }

  private Optional<Container> runningHere(String name) {
    return live.stream().filter(c -> c.name().equals(name) && c.isRunning()).findFirst();
  }

  /** The directory that holds this runtime's state. */
  public Path stateRoot() {
    return stateRoot;
  }

  /** The subnets, bridge and iptables chains this runtime's networked containers use. */
  public NetworkSettings networkSettings() {
    return networkSettings;
  }

  /** Containers started by this runtime that have not yet been released. */
  public List<Container> running() {
    return new ArrayList<>(live);
  }

  /** The base images of this state root, and the ways to make them ({@code poc init}). */
  public Images images() {
    return storage.images();
  }

  /**
   * The images pulled from registries into this state root by name ({@code poc pull},
   * {@code poc images}, {@code poc rmi}), which {@link Rootfs#image(String)} runs.
   */
  public dev.poc.image.RegistryImages registryImages() {
    return registryImages;
  }

  /**
   * {@code poc build NAME disk-size SIZE}: builds container {@code name} with a persistent disk of
   * {@code diskSize} (K/M/G/T, binary units, e.g. {@code 20G}) over the image
   * {@value Images#DEFAULT}. The disk is a sparse ext4 image, so any size costs the same to build;
   * the base is shared, not copied. Run it with {@code container().name(name).rootfs(Rootfs.disk(name))}.
   *
   * @throws InvalidSpecException the size is not valid
   * @throws NameInUseException a container of that name exists or is being built
   * @throws NotFoundException the image does not exist (make it with {@code images().init(...)})
   */
  public ContainerInfo build(String name, String diskSize) {
    return build(name, diskSize, Images.DEFAULT);
  }

  /**
   * As {@link #build(String, String)}, over the image named {@code image}: a built one (see
   * {@link #images()}), or a registry image written with a tag, registry or digest
   * ({@code redis:7}), pulled when missing, whose layers then lie under the disk (see
   * {@link #registryImages()}).
   */
  public ContainerInfo build(String name, String diskSize, String image) {
    if (rootless != null) {
      throw new MissingPrivilegeException("cannot build container '" + name + "' with a " + diskSize + " disk: poc runs"
          + " rootless here (uid " + dev.poc.host.Posix.geteuid() + "), and a sized disk is an ext4 image on a loop"
          + " device, which only root may set up. Run it on a directory instead (Rootfs.directory(DIR), poc run"
          + " --rootfs DIR) or on an image (Rootfs.image(REF)) with an --upper-tmpfs, or build it as root");
    }
    Check disks = StorageChecks.disk(HostChecks.loopDevices(Path.of("/dev/loop-control")));
    if (!disks.ok()) { // before the name is taken: one line naming the package or module
      throw new PocException(disks.name() + " " + disks.problem());
    }
    String base = image;
    // only a name no built image can have (a tag, a registry, a digest) is a registry image: a
    // mistyped built image name must never make a request to Docker Hub
    boolean registryName = image.contains(":") || image.contains("/") || image.contains("@");
    boolean built = images().list().stream().anyMatch(i -> i.name().equals(image));
    if (!built && registryName) {
      dev.poc.image.PulledImage pulled = registryImages.ensure(image, Progress.none());
      base = Storage.REGISTRY_PREFIX + pulled.name();
    }
    String over = base;
    return StateStore.unchecked("building container '" + name + "'", () -> storage.build(name, diskSize, over));
  }

  /**
   * {@code poc rm NAME}: removes a built container: its disk's mount, loop device and image file,
   * and its state. A running container is refused unless {@code force}, which kills it first.
   */
  public void remove(String name, boolean force) {
    StateStore.unchecked("removing container '" + name + "'", () -> {
      storage.remove(name, force);
      return null;
    });
  }

  /**
   * {@code poc prune}: stops every container of this state root, removes every container, disk,
   * built image and piece of poc state under it (pulled images stay, as a cache; the layers
   * none of them uses are removed), and the host objects poc itself made (e.g. its bridge).
   * Nothing else is touched.
   */
  public void prune() {
    StateStore.unchecked("pruning " + stateRoot, () -> {
      storage.prune();
      return null;
    });
  }

  /**
   * Removes the bridge and the iptables chains of this runtime's {@link NetworkSettings}, as
   * {@link #prune()} does, but nothing else: for a runtime with settings of its own (a test's, say)
   * that is done with them. Both stay while a container, of any runtime, still uses them.
   */
  public void pruneNetwork() {
    if (rootless != null) {
      return; // a rootless runtime never made a bridge or chain
    }
    StateStore.unchecked("removing the bridge and chains of " + stateRoot, () -> {
      network.prune();
      return null;
    });
  }

  /**
   * Creates the user-defined network {@code name} of this state root (Testcontainers'
   * {@code Network.newNetwork()}, {@code poc network create}): a bridge and a /20 of its own from
   * {@value UserNetworks#POOL}. Containers join it with {@code .network(Network.named(name))}; its
   * members reach each other by container name and by {@link ContainerSpec#networkAliases()}
   * (through a DNS responder on the network's gateway, which answers only its members' names and
   * forwards nothing, and their /etc/hosts), and cannot reach another named network's or this
   * runtime's bridged and default containers. Fails if it exists.
   */
  public NetworkInfo createNetwork(String name) {
    if (rootless != null) {
      throw new MissingPrivilegeException("cannot create network '" + name + "': a named network is a bridge with"
          + " iptables chains, which only root may make, and poc runs rootless here: run as root");
    }
    return StateStore.unchecked("creating network '" + name + "'", () -> NetworkInfo.of(userNetworks.create(name)));
  }

  /** This state root's named networks, by name ({@code poc network ls}). */
  public List<NetworkInfo> networks() {
    return StateStore.unchecked("listing networks", () -> {
      List<NetworkInfo> all = new ArrayList<>();
      for (String n : userNetworks.names()) {
        all.add(NetworkInfo.of(userNetworks.info(n)));
      }
      return all;
    });
  }

  /**
   * Removes the named network {@code name}: its bridge, iptables chains and record
   * ({@code poc network rm}). Fails while a container is on it, and when there is no such network.
   */
  public void removeNetwork(String name) {
    StateStore.unchecked("removing network '" + name + "'", () -> {
      userNetworks.remove(name);
      return null;
    });
  }

  /** The built containers of this state root, by name ({@code poc ps}). */
  public List<ContainerInfo> containers() {
    return StateStore.unchecked("listing containers", storage::list);
  }

  Storage storage() {
    return storage;
  }

  SpareHelpers spareHelpers() {
    return spareHelpers;
  }

  /** Every strategy of this runtime, in the order they prepare: what reclaim and prune go through. */
  List<HostSetup> setups() {
    return setups;
  }

  /**
   * The strategies that prepare a start of {@code spec}, in order: namespaces, cgroups, and the
   * network strategy its {@link Network} names.
   */
  List<HostSetup> setupsFor(ContainerSpec spec) {
    Network mode = spec.network();
    if (rootless != null && !mode.isCustom()) {
      return List.of(namespaces, cgroups, rootless.networkFor(spec));
    }
    if (mode.isNamed()) {
      return List.of(namespaces, cgroups,
          StateStore.unchecked("finding network '" + mode.name() + "'", () -> userNetworks.setupOf(mode.name())));
    }
    if (!mode.isCustom()) {
      return List.of(namespaces, cgroups, network);
    }
    NetworkStrategy custom = customNetworks.get(mode.name());
    if (custom == null) {
      throw new InvalidSpecException("container '" + spec.name() + "' asks for network '" + mode.name()
          + "', which this runtime does not know: register it with ContainerRuntime.builder().network(strategy)"
          + (customNetworks.isEmpty() ? "" : " (registered: " + String.join(", ", customNetworks.keySet()) + ")"));
    }
    if (!spec.ports().isEmpty() && !custom.publishesPorts()) {
      throw new InvalidSpecException("container '" + spec.name() + "' publishes ports but its network '"
          + mode.name() + "' does not publish ports: drop the ports or use Network.DEFAULT or Network.BRIDGE");
    }
    return List.of(namespaces, cgroups, custom);
  }

  Path runDir(String name) {
    return stateRoot.resolve("run").resolve(name);
  }

  void register(Container c) {
    live.add(c);
  }

  void unregister(Container c) {
    live.remove(c);
  }

  /** {@code helper}'s container or exec'd command has ended; {@link #awaitReleases} waits for it to exit too. */
  void helperExiting(Process helper) {
    exitingHelpers.removeIf(h -> !h.isAlive()); // those of earlier containers: gone by now, as a rule
    exitingHelpers.add(helper);
  }

  /** Reclaims every run of this state root whose JVM and helper are gone. */
  void reclaim() {
    // run directories a JVM that died had set aside, and the host side it had not released yet
    RunDirDisposal.sweep(stateRoot, this::reclaimSetAside);
    if (rootless == null) { // rootless containers hold no lease or bridge of root's
      try {
        network.reclaimLeftLeases(stateRoot);
        userNetworks.reclaimLeft();
      } catch (IOException | RuntimeException e) {
        LOG.warn("reclaiming the addresses of ended containers under {} failed: {}", stateRoot, e.toString());
      }
    }
    Path runs = stateRoot.resolve("run");
    if (!Files.isDirectory(runs)) {
      return;
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(runs)) {
      for (Path runDir : dirs) {
        String name = runDir.getFileName().toString();
        try {
          ContainerNames.validate(name);
        } catch (InvalidSpecException e) {
          continue; // not ours
        }
        Optional<NameLock> lock = NameLock.tryAcquire(name);
        if (lock.isEmpty()) {
          continue; // a live JVM runs it
        }
        try (NameLock held = lock.get()) {
          reclaimIfDead(name, runDir);
        }
      }
    } catch (IOException e) {
      LOG.warn("reclaiming under {} failed: {}", runs, e.toString());
    }
  }

  /** With the name lock held: undoes a dead run of {@code name}; leaves a live detached one alone. */
  void reclaimIfDead(String name, Path runDir) {
    if (!Files.exists(runDir)) {
      return;
    }
    Optional<Map<String, Object>> state = RunState.read(runDir);
    // Detached and still running. An OCI-created init outlives its helper (it is handed to the
    // engine's reaper), so either one alive counts; otherwise the init dies with its helper.
    if (state.isPresent() && Boolean.TRUE.equals(state.get().get("detached"))
        && (RunState.helperAlive(state.get()) || RunState.initAlive(state.get()))) {
      return;
    }
    LOG.info("reclaiming container '{}' left by a process that is gone", name);
    // Its JVM is gone, so its helper is killing it or has; make sure before touching its groups.
    state.ifPresent(s -> RunState.killAndAwait(s, java.time.Duration.ofSeconds(5)));
    reclaimSetupsAndDelete(name, runDir);
    if (state.isPresent() && Boolean.TRUE.equals(state.get().get("autoRemove"))) {
      new OutputLog(stateRoot, name).remove(); // --rm: nothing of it stays
    }
  }

  /**
   * With the name lock held: releases what an ended container's host side still held when its JVM
   * died, its run directory already set aside ({@code dir}, see {@link RunDirDisposal}). Its
   * command had ended and its figures were read; its log is left as it was.
   */
  private void reclaimSetAside(String name, Path dir) {
    LOG.info("releasing what container '{}' held on the host, left by a process that is gone", name);
    reclaimSetupsAndDelete(name, dir);
  }

  /** Each host setup's reclaim of {@code name}, the last set up first, then {@code dir} deleted. */
  private void reclaimSetupsAndDelete(String name, Path dir) {
    for (int i = setups.size() - 1; i >= 0; i--) {
      try {
        setups.get(i).reclaim(name, dir);
      } catch (IOException | RuntimeException e) {
        LOG.warn("reclaiming {} of '{}' failed: {}", setups.get(i).getClass().getSimpleName(), name, e.toString());
      }
    }
    Release.deleteTree(dir);
  }

  private void closeLive() {
    spareHelpers.close();
    for (Container c : running()) {
      if (!c.spec().detached()) {
        try {
          c.stop(java.time.Duration.ofSeconds(2));
        } catch (RuntimeException e) {
          LOG.warn("stopping {} at exit failed: {}", c.name(), e.toString());
        }
      }
    }
    awaitReleases();
    registryImages.releaseSpares(); // the overlays made ahead for a next start, and releases under way
  }

  /** Returns once what ended containers left to release in the background is released. */
  void awaitReleases() {
    // first the releases set aside (cgroups, netns names, the veths they hand to the reaper, run
    // directories), then the reaper's veths and their addresses
    RunDirDisposal.awaitAll();
    network.awaitReleases();
    userNetworks.awaitReleases();
    awaitExitingHelpers();
  }

  /**
   * Waits for the helpers of ended containers and exec'd commands to exit, all within one
   * {@link #HELPER_EXIT_WAIT}; kills those still there then (or at once when this thread is
   * interrupted), and waits for them too, so that none outlives close().
   */
  private void awaitExitingHelpers() {
    long deadline = System.nanoTime() + HELPER_EXIT_WAIT.toNanos();
    for (Process helper : List.copyOf(exitingHelpers)) {
      if (!exitsBy(helper, deadline)) {
        LOG.warn("poc-init {} was still running {} after its command ended: killing it", helper.pid(), HELPER_EXIT_WAIT);
        SpareHelpers.killAndReap(helper);
      }
      exitingHelpers.remove(helper);
    }
  }

  /** Whether {@code helper} exits by {@code deadline}; false at once when this thread is interrupted (it stays so). */
  private static boolean exitsBy(Process helper, long deadline) {
    try {
      return helper.waitFor(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Stops every container this runtime started (detached ones are left running), and returns once
   * the veths of the networked ones that ended are deleted and their addresses free.
   */
  @Override
  public void close() {
    closeLive();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down
    }
    if (this == defaultRuntime) {
      defaultRuntime = null;
    }
  }

  /** Builds a {@link ContainerRuntime}. */
  public static final class Builder {
    private Path stateRoot; // null: PocSettings decides
    private NetworkSettings network; // null: PocSettings decides
    private dev.poc.image.RegistrySettings registries;
    private NamespaceStrategy namespaces; // null: the mode's (root's, or rootless)
    private CgroupStrategy cgroups; // null: the mode's
    private dev.poc.rootless.RootlessMode rootless;
    private final Map<String, NetworkStrategy> customNetworks = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Where containers, disks and images are kept; unless set, the system property
     * {@code poc.stateRoot}, else {@code $POC_STATE_ROOT}, else {@code /var/lib/poc_container}.
     */
    public Builder stateRoot(Path stateRoot) {
      this.stateRoot = stateRoot;
      return this;
    }

    /**
     * Subnets, bridge and iptables chains of networked containers; unless set, those of the system
     * properties and environment ({@link PocSettings}), else the seed's.
     */
    public Builder network(NetworkSettings network) {
      this.network = network;
      return this;
    }

    /**
     * Mirrors, plain-HTTP registries and credentials for pulling images by name;
     * {@link dev.poc.image.RegistrySettings#fromEnvironment()} unless set.
     */
    public Builder registries(dev.poc.image.RegistrySettings registries) {
      this.registries = registries;
      return this;
    }

    /**
     * Which namespaces containers get of their own, share with the host or join; unless set, the
     * kinds in each spec's {@link ContainerSpec#namespaces()} are new and the others the host's.
     */
    public Builder namespaces(NamespaceStrategy strategy) {
      this.namespaces = java.util.Objects.requireNonNull(strategy, "strategy");
      return this;
    }

    /** How containers are put in control groups; unless set, {@code poc/NAME} in every hierarchy. */
    public Builder cgroups(CgroupStrategy strategy) {
      this.cgroups = java.util.Objects.requireNonNull(strategy, "strategy");
      return this;
    }

    /**
     * Adds a network strategy that specs name with {@link Network#custom(String)}. The runtime's
     * own modes ({@link Network#DISABLED}, {@code DEFAULT}, {@code BRIDGE}) stay available.
     */
    public Builder network(NetworkStrategy strategy) {
      String name = Network.custom(strategy.name()).name(); // validates it
      if (customNetworks.putIfAbsent(name, strategy) != null) {
        throw new InvalidSpecException("two network strategies are named '" + name + "': give each its own name");
      }
      return this;
    }

    /** Opens the runtime, reclaiming what a crashed JVM left. */
    public ContainerRuntime build() {
      if (registries == null) {
        registries = dev.poc.image.RegistrySettings.fromEnvironment();
      }
      // not root: every container in a user namespace of its own, cgroups only where delegated
      rootless = dev.poc.rootless.RootlessMode.applies() ? dev.poc.rootless.RootlessMode.forThisUser() : null;
      if (namespaces == null) {
        namespaces = rootless != null ? rootless.namespaces() : new LinuxNamespaces();
      }
      if (cgroups == null) {
        cgroups = rootless != null ? rootless.cgroups() : new CgroupSetup();
      }
      return new ContainerRuntime(this);
    }
  }
}
