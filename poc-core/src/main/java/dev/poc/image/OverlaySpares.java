package dev.poc.image;

import dev.poc.host.DetachedMounts;
import dev.poc.host.FileTrees;
import dev.poc.host.LibC;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The overlay for the next start of an image, prepared ahead on a background thread: its layers
 * held (store lock, pin file), its upper, work and mount-point directories made, and, as root,
 * the overlay itself mounted detached (fsmount), so that overlayfs's checks of the work directory
 * (a dozen metadata operations on the upper's file system, which on a busy ext4 wait for its
 * journal) are done before the start. A start on the image takes it and its init only moves
 * the mount into place; when that container ends, the same thread prepares the next one. Each of
 * those steps costs a start 0.3 to 3 ms on the caller's path otherwise.
 *
 * <p>Only for an image started a second time in this JVM (a one-off run prepares nothing it
 * would not use), one ready per image and kind, for attached containers (a detached container
 * outlives the JVM and with it the descriptor of its mount). For an upper on a tmpfs, which
 * poc-init mounts in the container's namespace, only the pin and the directories are made ahead,
 * and likewise rootless. The release of a container that took one (the
 * mount's descriptor closed, the directories deleted, the pin let go) is also done on that
 * thread; {@link #discardAll} undoes what is ready and waits for what is under way, so a sweep
 * sees exactly the layers containers use.
 */
final class OverlaySpares {
  private static final Logger LOG = LoggerFactory.getLogger(OverlaySpares.class);
  private static final int MOUNT_ATTR_NODEV = 0x4;
  /** Whether overlays are mounted ahead: root only (an ordinary user's overlay is mounted in the container's user namespace). */
  private static volatile boolean mountAhead = !LayerUnpacker.ROOTLESS && LibC.get().geteuid() == 0;

  /** Which spares: an image's layers, and whether the upper is to be on a tmpfs (only directories made ahead then). */
  private record Kind(List<Digest> layers, boolean tmpfs) {}

  /**
   * An overlay made ahead: {@code root} is its mount point; {@code mountFd} its detached mount, or
   * -1 when not mounted ahead (always for an upper on a tmpfs, which poc-init mounts on
   * {@link #upperTmpfs()} in the container's namespace).
   */
  record Spare(Path dir, RegistryImages.Hold hold, int mountFd) {
    Path root() {
      return dir.resolve("root");
    }

    Path upper() {
      return dir.resolve("upper");
    }

    Path work() {
      return dir.resolve("work");
    }

    Path upperTmpfs() {
      return dir.resolve("upper-tmpfs");
    }

    /** The path poc-init moves the mount from: this JVM's descriptor, as a magic link. */
    String mountSource() {
      return "/proc/" + ProcessHandle.current().pid() + "/fd/" + mountFd;
    }
  }

  private final RegistryImages images;
  private final ContentStore store;
  private final Map<Kind, Spare> ready = new ConcurrentHashMap<>();
  private final Map<Kind, Integer> started = new ConcurrentHashMap<>(); // starts per image and kind in this JVM
  private final Set<Kind> preparing = ConcurrentHashMap.newKeySet();
  private final ExecutorService thread = new ThreadPoolExecutor(0, 1, 2, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
    Thread t = new Thread(r, "poc-overlay-spares");
    t.setDaemon(true);
    return t;
  });
  private final java.util.concurrent.atomic.AtomicInteger generation = new java.util.concurrent.atomic.AtomicInteger(); // discardAll's count: what a preparation began before it is not kept

  OverlaySpares(RegistryImages images, ContentStore store) {
    this.images = images;
    this.store = store;
  }

  /**
   * The overlay prepared for {@code image}, if one is ready. From the image's second start on,
   * the end of each of its containers prepares the next one ({@link #ended}): then, not during
   * this start, whose own steps would wait for the same disk and CPU.
   */
  Optional<OverlaySpares.Spare> take(PulledImage image, boolean tmpfs) {
    Kind key = new Kind(image.layers(), tmpfs);
    started.merge(key, 1, Integer::sum);
    return Optional.ofNullable(ready.remove(key));
  }

  /**
   * A container of {@code image} has ended: lets go of its spare, if it took one, and prepares the
   * next one when the image was started more than once here. Both in the background.
   */
  void ended(PulledImage image, boolean tmpfs, Spare used) {
    Kind key = new Kind(image.layers(), tmpfs);
    boolean again = started.getOrDefault(key, 0) > 1 && !ready.containsKey(key) && preparing.add(key);
    if (used == null && !again) {
      return;
    }
    int gen = generation.get();
    thread.execute(() -> {
      if (used != null) {
        discard(used);
      }
      if (again) {
        prepare(image, key, gen);
      }
    });
  }

  /** Whether spares are mounted ahead in this JVM (root, and a kernel and libc with the mount API). */
  static boolean mountsAhead() {
    return mountAhead;
  }

  /** Lets go of a spare a failed start took, in the background. */
  void release(Spare spare) {
    thread.execute(() -> discard(spare));
  }

  /** Discards every ready spare and waits for the background work under way (before a sweep or at close). */
  void discardAll() {
    generation.incrementAndGet();
    awaitThread();
    for (Kind key : List.copyOf(ready.keySet())) {
      Spare s = ready.remove(key);
      if (s != null) {
        discard(s);
      }
    }
  }

  /** Waits until the background work queued so far (releases, preparations) is done. */
  void awaitThread() {
    Future<?> marker = thread.submit(() -> {});
    try {
      com.google.common.util.concurrent.Uninterruptibles.getUninterruptibly(marker);
    } catch (ExecutionException e) {
      // an empty task: it cannot fail
    }
  }

  private void prepare(PulledImage image, Kind key, int gen) {
    try {
      Spare spare = make(image, key.tmpfs());
      if (gen != generation.get() || ready.putIfAbsent(key, spare) != null) {
        discard(spare); // a sweep began meanwhile, or one is ready already
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("preparing an overlay of {} ahead failed, starts make theirs: {}", image.name(), e.toString());
    } finally {
      preparing.remove(key);
    }
  }

  private Spare make(PulledImage image, boolean tmpfs) throws IOException {
    RegistryImages.Hold hold = images.hold("spare", image);
    Path dir = store.spare(hold.pinName());
    try {
      if (tmpfs) {
        Files.createDirectories(dir.resolve("upper-tmpfs"));
        Files.createDirectories(dir.resolve("root"));
        return new Spare(dir, hold, -1);
      }
      Files.createDirectories(dir.resolve("upper"));
      Files.createDirectories(dir.resolve("work"));
      Files.createDirectories(dir.resolve("root"));
      int fd = -1;
      if (mountAhead) {
        try {
          // one lowerdir+ per layer, top first (Linux 6.8): fsconfig takes values of at most 255 bytes
          List<Map.Entry<String, String>> options = new ArrayList<>();
          hold.layersTopFirst().forEach(l -> options.add(Map.entry("lowerdir+", ImageRootfs.overlayPath(l))));
          options.add(Map.entry("upperdir", dir.resolve("upper").toString()));
          options.add(Map.entry("workdir", dir.resolve("work").toString()));
          fd = DetachedMounts.mount("overlay", options, ImageRootfs.VOLATILE ? List.of("volatile") : List.of(), MOUNT_ATTR_NODEV);
        } catch (IOException e) {
          mountAhead = false; // this kernel or this process cannot: the directories are still made ahead
          LOG.debug("mounting an overlay ahead is not possible here, the init mounts it: {}", e.getMessage());
          // a superblock made before the failure marked the work directory (volatile's incompat/):
          // the init's mount would refuse it
          FileTrees.delete(dir.resolve("work"));
          Files.createDirectories(dir.resolve("work"));
        }
      }
      return new Spare(dir, hold, fd);
    } catch (IOException | RuntimeException e) {
      FileTrees.delete(dir);
      hold.close();
      throw e;
    }
  }

  private static void discard(Spare spare) {
    if (spare.mountFd() >= 0) {
      LibC.get().close(spare.mountFd()); // the last reference once the container's namespace is gone: unmounted
    }
    try {
      FileTrees.delete(spare.dir());
    } catch (IOException e) {
      LOG.warn("removing {} failed: {}", spare.dir(), e.toString());
    }
    spare.hold().close(); // after the directory: a sweep removes a spare's directory only once its pin is gone
  }

  /** How many spares are ready. */
  int readyCount() {
    return ready.size();
  }
}
