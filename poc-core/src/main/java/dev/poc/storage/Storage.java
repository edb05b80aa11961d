package dev.poc.storage;

import dev.poc.internal.Access;
import dev.poc.Container;
import dev.poc.ContainerInfo;
import dev.poc.ContainerRuntime;
import dev.poc.Image;
import dev.poc.Images;
import dev.poc.NameInUseException;
import dev.poc.NotFoundException;
import dev.poc.PocException;
import dev.poc.host.Flock;
import dev.poc.host.Mounts;
import dev.poc.internal.ContainerNames;
import dev.poc.launch.Release;
import dev.poc.spi.Attachment;
import dev.poc.spi.HostSetup;
import dev.poc.spi.StartContext;
import dev.poc.state.NameLock;
import dev.poc.state.OutputLog;
import dev.poc.state.RunState;
import dev.poc.state.StateStore;
import dev.poc.state.StoredContainer;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lifecycle of built containers: build (reserve the name, make the disk), attach a disk for a
 * start, remove, prune. What exists is decided under the store lock; the slow work (mkfs,
 * unmount) runs holding only the disk's own in-use lock, which a running container also holds.
 */
public final class Storage {
  private static final Logger LOG = LoggerFactory.getLogger(Storage.class);
  private static final Duration STOP_WAIT = Duration.ofSeconds(15);

  private final ContainerRuntime runtime;
  private final StateStore store;
  private final ImageStore images;
  private final Images imagesApi;

  public Storage(ContainerRuntime runtime, Path stateRoot) {
    this.runtime = runtime;
    this.store = new StateStore(stateRoot);
    this.images = new ImageStore(store);
    this.imagesApi = Access.api().newImages(images);
  }

  public Images images() {
    return imagesApi;
  }

  /** A disk's image that is a pulled registry image: this prefix, then its full reference. */
  public static final String REGISTRY_PREFIX = "registry:";

  /** {@code build NAME disk-size SIZE}: a new disk of {@code size} over image {@code imageName}. */
  public ContainerInfo build(String name, String size, String imageName) throws IOException {
    ContainerNames.validate(name);
    long bytes = Disk.parseSize(size);
    Disk disk = store.disk(name);
    try (Flock building = reserve(name, size, bytes, imageName)) {
      StoredContainer ready;
      try {
        disk.create(bytes);
        ready = store.locked(() -> {
          StoredContainer c = store.container(name).orElseThrow().withState(StoredContainer.State.READY);
          store.put(c);
          return c;
        });
      } catch (IOException | RuntimeException e) {
        try {
          disk.delete();
          store.locked(() -> {
            store.delete(name);
            return null;
          });
        } catch (IOException | RuntimeException cleanup) {
          e.addSuppressed(cleanup);
        }
        throw e;
      }
      return info(ready);
    }
  }

  /**
   * Under the store lock: claims {@code name} with a BUILDING record and returns the disk's in-use
   * lock. A missing image, a name that exists, or one being built right now is refused; leftovers
   * of a build or removal whose process died are cleared first. The image is checked here, under
   * the lock, because removing an image checks its users under it too.
   */
  private Flock reserve(String name, String size, long bytes, String imageName) throws IOException {
    return store.locked(() -> {
      if (!imageName.startsWith(REGISTRY_PREFIX)) {
        images.require(imageName); // a registry image was pulled just before, and rmi refuses while a disk uses it
      }
      Optional<StoredContainer> existing = store.container(name);
      Disk disk = store.disk(name);
      if (existing.isPresent() && existing.get().state() == StoredContainer.State.READY) {
        throw new NameInUseException("container '" + name + "' already exists (disk " + existing.get().diskSize()
            + " over image '" + existing.get().image() + "'): remove it first (poc rm " + name + ") or pick another name");
      }
      if (existing.isPresent() || Files.exists(disk.dir())) {
        Files.createDirectories(disk.dir());
        Flock stale = Flock.tryLock(disk.lockFile()).orElseThrow(() -> new NameInUseException(
            "container '" + name + "' is being built (or removed) by another thread or process right now: wait for it, or pick another name"));
        try (stale) {
          LOG.info("clearing what a build of '{}' that did not finish left behind", name);
          disk.delete();
          store.delete(name);
        }
      }
      Files.createDirectories(disk.dir());
      Flock lock = Flock.tryLock(disk.lockFile()).orElseThrow(() -> new IllegalStateException("fresh lock file is locked"));
      try {
        store.put(new StoredContainer(name, imageName, size, bytes, Instant.now(), StoredContainer.State.BUILDING));
      } catch (IOException | RuntimeException e) {
        lock.close();
        throw e;
      }
      return lock;
    });
  }

  /**
   * A mounted disk and what lies under it (a built image, or a pulled image's layers, held),
   * for one container: closing it releases both for others.
   */
  record Use(Disk disk, Optional<Image> image, List<Path> lowerDirsTopFirst, Flock lock, AutoCloseable hold)
      implements Attachment {
    @Override
    public void close() {
      try {
        hold.close();
      } catch (Exception e) {
        LOG.warn("releasing the image of disk '{}' failed: {}", disk.name(), e.toString());
      }
      lock.close();
    }
  }

  /**
   * Holds disk {@code diskName} for the container starting in {@code ctx}, mounted. When the disk
   * does not exist and the spec asks for a disk size, it is built first (over the default image).
   */
  Use use(String diskName, StartContext ctx) throws IOException {
    if (store.container(diskName).isEmpty()) {
      Optional<String> size = ctx.spec().diskSize();
      if (size.isEmpty() || !ctx.name().equals(diskName)) {
        throw new NotFoundException("container '" + diskName + "' has not been built (no disk in " + store.root()
            + "): build it first (poc build " + diskName + " disk-size 20G), or give its spec .diskSize(\"20G\")");
      }
      try {
        build(diskName, size.get(), ImageStore.DEFAULT);
      } catch (NameInUseException e) {
        // built meanwhile by another start: use that one
      }
    }
    Disk disk = store.disk(diskName);
    Flock lock;
    try {
      lock = Flock.tryLock(disk.lockFile()).orElseThrow(() -> new NameInUseException("the disk of '" + diskName
          + "' is in use by another container, or being built or removed: wait for it, or stop that container"));
    } catch (NoSuchFileException e) {
      throw new NotFoundException("container '" + diskName + "' was removed while starting: build it again");
    }
    try {
      StoredContainer c = store.container(diskName).orElseThrow(() -> new NotFoundException(
          "container '" + diskName + "' was removed while starting: build it again"));
      if (c.state() != StoredContainer.State.READY) {
        throw new PocException("the disk of '" + diskName + "' was left half-built by a process that died: "
            + "remove it (poc rm " + diskName + ") and build it again");
      }
      if (c.image().startsWith(REGISTRY_PREFIX)) {
        dev.poc.image.RegistryImages registry = runtime.registryImages();
        String ref = c.image().substring(REGISTRY_PREFIX.length());
        dev.poc.image.RegistryImages.Hold hold = registry.hold(ctx.name(), registry.ensure(ref, dev.poc.Progress.none()));
        try {
          hold.recordIn(ctx.runDir());
          disk.ensureMounted();
        } catch (IOException | RuntimeException e) {
          hold.close();
          throw e;
        }
        return new Use(disk, Optional.empty(), hold.layersTopFirst(), lock, hold);
      }
      Image image = images.require(c.image());
      disk.ensureMounted();
      return new Use(disk, Optional.of(image), List.of(images.rootfs(c.image())), lock, () -> {});
    } catch (IOException | RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  /**
   * {@code rm NAME}: releases the mount, loop device, image file and record of a built container,
   * and the log a container of that name left (an ended detached one may have nothing else).
   */
  public void remove(String name, boolean force) throws IOException {
    ContainerNames.validate(name);
    Disk disk = store.disk(name);
    OutputLog log = new OutputLog(runtime.stateRoot(), name);
    boolean built = store.container(name).isPresent() || Files.exists(disk.dir());
    if (!built && !log.exists()) {
      throw new NotFoundException("there is no container '" + name + "' in " + store.root() + ": poc ps -a lists them");
    }
    List<Container> ours = ownUsers(name);
    List<Path> others = liveRuns(name);
    if (!force && (!ours.isEmpty() || !others.isEmpty())) {
      throw new NameInUseException("container '" + name + "' is running: stop it first, or remove it with force (poc rm -f "
          + name + ")");
    }
    ours.forEach(c -> c.stop(Duration.ZERO));
    others.forEach(this::stopRun);
    log.remove();
    if (!built) {
      return;
    }
    Flock lock = force ? waitForLock(disk) : Flock.tryLock(disk.lockFile()).orElseThrow(() -> new NameInUseException(
        "container '" + name + "' is starting, running, or being built: stop it first, or remove it with force (poc rm -f " + name + ")"));
    try (lock) {
      disk.delete();
      store.locked(() -> {
        store.delete(name);
        return null;
      });
    }
  }

  private Flock waitForLock(Disk disk) throws IOException {
    if (!Files.isDirectory(disk.dir())) {
      Files.createDirectories(disk.dir()); // a record without a disk: lock the (empty) place anyway
    }
    long deadline = System.nanoTime() + STOP_WAIT.toNanos();
    for (;;) {
      Optional<Flock> lock = Flock.tryLock(disk.lockFile());
      if (lock.isPresent()) {
        return lock.get();
      }
      if (System.nanoTime() > deadline) {
        throw new NameInUseException("the disk of '" + disk.name() + "' is still in use " + STOP_WAIT.toSeconds()
            + " s after its containers were killed: find the process that holds " + disk.lockFile());
      }
      sleep(50);
    }
  }

  /** Containers this runtime runs on disk {@code name} (or named so). */
  private List<Container> ownUsers(String name) {
    List<Container> users = new ArrayList<>();
    for (Container c : runtime.running()) {
      if (c.name().equals(name) || (c.spec().rootfs().strategy() instanceof DiskRootfs d && d.name().equals(name))) {
        users.add(c);
      }
    }
    return users;
  }

  /** Run directories of live containers of other runtimes (or detached ones) on disk {@code name}; null = all. */
  private List<Path> liveRuns(String name) throws IOException {
    List<Path> runs = new ArrayList<>();
    Path runRoot = runtime.stateRoot().resolve("run");
    if (!Files.isDirectory(runRoot)) {
      return runs;
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(runRoot, Files::isDirectory)) {
      for (Path dir : dirs) {
        Optional<Map<String, Object>> state = RunState.read(dir);
        if (state.isEmpty() || !RunState.helperAlive(state.get())) {
          continue;
        }
        boolean isOurs = runtime.running().stream().anyMatch(c -> Access.api().context(c).runDir().equals(dir));
        if (!isOurs && (name == null || name.equals(state.get().get("name"))
            || ("disk " + name).equals(state.get().get("rootfs")))) {
          runs.add(dir);
        }
      }
    }
    return runs;
  }

  /** Kills a container that another process runs (or that runs detached) and waits until it is released. */
  private void stopRun(Path runDir) {
    Optional<Map<String, Object>> state = RunState.read(runDir);
    if (state.isEmpty()) {
      return;
    }
    String name = String.valueOf(state.get().get("name"));
    if (RunState.helperAlive(state.get())) {
      LOG.info("killing container '{}' (init pid {})", name, state.get().get("initPid"));
      RunState.killAndAwait(state.get(), Duration.ZERO); // only if the pid is still that init's
    }
    long deadline = System.nanoTime() + STOP_WAIT.toNanos();
    while (Files.exists(runDir) && System.nanoTime() < deadline) {
      if (!RunState.helperAlive(state.get())) {
        try {
          Optional<NameLock> lock = NameLock.tryAcquire(name);
          if (lock.isPresent()) {
            try (NameLock held = lock.get()) {
              Access.api().reclaimIfDead(runtime, name, runDir); // detached, or its JVM died: nobody else releases it
            }
          }
        } catch (IOException e) {
          LOG.warn("reclaiming '{}' failed: {}", name, e.toString());
        }
      }
      sleep(50);
    }
  }

  /**
   * {@code prune}: stops every container of this state root, removes every container, disk and
   * built image, sweeps the pulled layers no pulled image uses, and lets each host setup remove
   * its poc-wide objects. Touches nothing but poc's.
   */
  public void prune() throws IOException {
    List<String> failures = new ArrayList<>();
    for (Container c : runtime.running()) {
      c.stop(Duration.ZERO);
    }
    for (Path run : liveRuns(null)) {
      stopRun(run);
    }
    // ended containers' releases still under way hold their names: done before the setups prune
    dev.poc.state.RunDirDisposal.awaitAll();
    Access.api().reclaim(runtime);
    for (StoredContainer c : store.containers()) {
      attempt(failures, "removing container '" + c.name() + "'", () -> remove(c.name(), true));
    }
    for (String name : StateStore.names(store.disksDir())) {
      attempt(failures, "removing the disk of '" + name + "'", () -> remove(name, true));
    }
    attempt(failures, "removing images", images::removeAll);
    // pulled images are a cache that outlives prune; what no image uses any more goes
    attempt(failures, "sweeping unused image layers", () -> {
      runtime.registryImages().sweep();
      runtime.registryImages().removeStoreIfUnused();
    });
    for (HostSetup setup : Access.api().setups(runtime)) {
      attempt(failures, "pruning " + setup.getClass().getSimpleName(), setup::prune);
    }
    dev.poc.state.RunDirDisposal.awaitAll(); // the run directories of the containers stopped above
    for (Path dir : List.of(store.containersDir(), store.disksDir(), store.imagesDir(), runtime.stateRoot().resolve("run"),
        runtime.stateRoot().resolve(dev.poc.state.RunDirDisposal.GONE), dev.poc.state.OutputLog.root(runtime.stateRoot()))) {
      attempt(failures, "removing " + dir, () -> {
        Mounts.unmountAll(dir);
        Release.deleteTree(dir);
      });
    }
    if (!failures.isEmpty()) {
      throw new PocException("prune of " + store.root() + " left something behind:\n  " + String.join("\n  ", failures));
    }
  }

  private interface Step {
    void run() throws IOException;
  }

  private static void attempt(List<String> failures, String what, Step step) {
    try {
      step.run();
    } catch (IOException | RuntimeException e) {
      LOG.warn("{} failed: {}", what, e.toString());
      failures.add(what + ": " + e.getMessage());
    }
  }

  /** The built containers, by name, with their status. */
  public List<ContainerInfo> list() throws IOException {
    List<ContainerInfo> list = new ArrayList<>();
    for (StoredContainer c : store.containers()) {
      list.add(info(c));
    }
    return list;
  }

  private ContainerInfo info(StoredContainer c) throws IOException {
    ContainerInfo.Status status = c.state() == StoredContainer.State.BUILDING ? ContainerInfo.Status.BUILDING
        : !ownUsers(c.name()).isEmpty() || !liveRuns(c.name()).isEmpty() ? ContainerInfo.Status.RUNNING
        : ContainerInfo.Status.STOPPED;
    return ContainerInfo.builder().name(c.name()).image(c.image()).diskSize(c.diskSize())
        .diskBytes(c.diskBytes()).created(c.created()).status(status).build();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
