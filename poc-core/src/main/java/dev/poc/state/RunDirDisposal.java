package dev.poc.state;

import dev.poc.host.Directories;
import dev.poc.host.FileTrees;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes the removal of an ended container's run directory, and the slow tail of its host side's
 * release, off its caller's path. On ext4 (with
 * the {@code discard} option of the VMs poc is measured on) an rmdir costs 0.2 to 2 ms, with the
 * disk's other traffic (and more for a run directory with directories inside, such as an image's
 * upper layer): up to a third of a whole start-to-exit. A rename costs 0.1 ms. So the directory is renamed aside, to
 * {@code STATE/run-gone/NAME.RANDOM}, which frees its name for the next start at once, and one
 * daemon thread of the JVM (started on demand, ended when idle) deletes it.
 *
 * <p>Before it deletes it, that thread runs what the container left to release on the host
 * ({@link #dispose(Path, String, Runnable, Runnable)}: its cgroup's rmdirs and its netns name,
 * 0.5 ms) and only then lets go of the container's name lock, whose holder it stays until then:
 * no process can start, prune or reclaim that name while its group is being removed. A start (or
 * anything else) of this JVM that asks for the name lock finishes the name's pending release
 * first, in its own thread ({@link #settle}, called by {@link NameLock#tryAcquire}); another
 * process finds the name locked for that half millisecond. The set-aside directory keeps its
 * {@code state.json} until the release is done: a directory that still has it, whose name is
 * free, is the release of a JVM that died, and the next runtime that opens the state root
 * reclaims it through its host setups ({@link #sweep(Path, BiConsumer)}).
 *
 * <p>A runtime's close (and its shutdown hook) and a prune wait for what is pending
 * ({@link #awaitAll}); what a JVM that died left aside is deleted by the next runtime that opens
 * on the state root ({@link #sweep}), or by a prune. Where the rename cannot be made (the run
 * directory on a file system of its own), everything is done at once, as before.
 */
public final class RunDirDisposal {
  private static final Logger LOG = LoggerFactory.getLogger(RunDirDisposal.class);
  /** The state root's directory of run directories set aside, next to {@code run/}. */
  public static final String GONE = "run-gone";
  /** Left aside longer than this, a directory is no live JVM's pending work: a sweep takes it. */
  private static final Duration STALE = Duration.ofMinutes(1);
  private static final ExecutorService THREAD = new ThreadPoolExecutor(0, 1, 2, TimeUnit.SECONDS,
      new LinkedBlockingQueue<>(), r -> {
        Thread t = new Thread(r, "poc-run-dir-disposal");
        t.setDaemon(true);
        return t;
      });
  private static final Map<Path, FutureTask<Void>> PENDING = new ConcurrentHashMap<>();

  private RunDirDisposal() {}

  /** Container name to its host side's release under way in this JVM (see {@link #dispose(Path, String, Runnable, Runnable)}). */
  private static final Map<String, Releasing> RELEASING = new ConcurrentHashMap<>();

  /** What {@link #dispose(Path, String, Runnable, Runnable)} left to do: {@link #settle} does it now. */
  public interface Pending {
    /** Returns once the release is done, doing it in this thread when the disposal thread has not begun it. */
    void settle();
  }

  /**
   * Renames {@code runDir} ({@code STATE/run/NAME} of container {@code name}) aside, then, in the
   * background, runs {@code release} (the host side's rest), removes the directory's state file,
   * runs {@code letGo} (the name lock's release) and deletes the directory. Where the rename cannot
   * be made, all of it is done at once.
   */
  public static Pending dispose(Path runDir, String name, Runnable release, Runnable letGo) {
    Path aside = setAside(runDir);
    if (aside == null) {
      try {
        release.run();
      } finally {
        letGo.run();
      }
      if (Files.exists(runDir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        delete(runDir);
      }
      return () -> {};
    }
    Releasing job = new Releasing(name, aside, release, letGo);
    Releasing earlier = RELEASING.put(name, job);
    if (earlier != null) {
      earlier.settle(); // cannot happen while the lock is held from start to release; stay correct anyway
    }
    THREAD.execute(job.task);
    return job;
  }

  /**
   * Finishes the pending release of container {@code name} in this JVM, if any, in this thread
   * when it has not begun: the name (its lock, its cgroup, its netns name) is free afterwards.
   */
  public static void settle(String name) {
    Releasing job = RELEASING.get(name);
    if (job != null) {
      job.settle();
    }
  }

  /** Renames {@code runDir} ({@code STATE/run/NAME}) aside and has it deleted in the background. */
  public static void dispose(Path runDir) {
    Path aside = setAside(runDir);
    if (aside != null) {
      deleteInBackground(aside);
    } else if (Files.exists(runDir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      delete(runDir);
    }
  }

  /** The directory's new place under {@code run-gone/}, or null when it could not be moved there. */
  private static Path setAside(Path runDir) {
    try {
      Path gone = Directories.ensure(runDir.getParent().resolveSibling(GONE));
      Path aside = gone.resolve(runDir.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()));
      Files.move(runDir, aside, StandardCopyOption.ATOMIC_MOVE);
      return aside;
    } catch (NoSuchFileException e) {
      return null; // gone already
    } catch (IOException | RuntimeException e) {
      return null; // no rename here (another file system, say): as before, at once
    }
  }

  private static void deleteInBackground(Path aside) {
    FutureTask<Void> task = new FutureTask<>(() -> {
      delete(aside);
      PENDING.remove(aside);
      return null;
    });
    PENDING.put(aside, task);
    THREAD.execute(task);
  }

  /** One container's host-side release, then its directory's deletion (queued behind it). */
  private static final class Releasing implements Pending {
    private final String name;
    private final FutureTask<Void> task;

    Releasing(String name, Path aside, Runnable release, Runnable letGo) {
      this.name = name;
      this.task = new FutureTask<>(() -> {
        try {
          try {
            release.run();
          } finally {
            // the mark of a release that is done, which a sweep looks for: before the name is free
            Files.deleteIfExists(aside.resolve(RunState.FILE));
          }
        } catch (IOException | RuntimeException e) {
          LOG.warn("releasing what container '{}' held on the host failed: {}", name, e.toString());
        } finally {
          letGo.run();
          RELEASING.remove(name, this);
          deleteInBackground(aside);
        }
        return null;
      });
    }

    @Override
    public void settle() {
      task.run(); // nothing when the disposal thread has it already
      await(task);
    }
  }

  private static void await(FutureTask<Void> task) {
    try {
      com.google.common.util.concurrent.Uninterruptibles.getUninterruptibly(task);
    } catch (ExecutionException e) {
      // the tasks log their failures and throw none
    }
  }

  /**
   * Finishes every release pending in this JVM, then deletes, in this thread, every directory set
   * aside in this JVM whose deletion has not begun; awaits the others.
   */
  public static void awaitAll() {
    for (Releasing job : List.copyOf(RELEASING.values())) {
      job.settle();
    }
    for (FutureTask<Void> task : List.copyOf(PENDING.values())) {
      task.run(); // nothing when the disposal thread has it already
      await(task);
    }
  }

  /** How many directories set aside in this JVM are not deleted yet (or their containers' release not done). */
  public static int pending() {
    return PENDING.size() + RELEASING.size();
  }

  /**
   * Deletes what was set aside under {@code stateRoot} by a JVM that died before deleting it:
   * entries older than a minute (a live JVM's pending ones are younger, and its own to delete).
   */
  public static void sweep(Path stateRoot) {
    sweep(stateRoot, (name, dir) -> {}, STALE);
  }

  /**
   * {@link #sweep(Path)}, and first the releases a JVM died before doing: a directory that still
   * has its state file, whose name's lock is free, goes to {@code reclaim} (with that lock held),
   * which releases what the container held on the host and deletes the directory.
   */
  public static void sweep(Path stateRoot, BiConsumer<String, Path> reclaim) {
    sweep(stateRoot, reclaim, STALE);
  }

  static void sweep(Path stateRoot, Duration olderThan) {
    sweep(stateRoot, (name, dir) -> {}, olderThan);
  }

  static void sweep(Path stateRoot, BiConsumer<String, Path> reclaim, Duration olderThan) {
    Path gone = stateRoot.resolve(GONE);
    if (!Files.isDirectory(gone)) {
      return;
    }
    Instant before = Instant.now().minus(olderThan);
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(gone)) {
      for (Path dir : dirs) {
        if (PENDING.containsKey(dir)) {
          continue;
        }
        if (Files.exists(dir.resolve(RunState.FILE))) {
          reclaimIfUnreleased(dir, reclaim);
          continue;
        }
        // ctime: the rename aside set it, whatever the directory's own mtime was
        FileTime changed = (FileTime) Files.getAttribute(dir, "unix:ctime", java.nio.file.LinkOption.NOFOLLOW_LINKS);
        if (!changed.toInstant().isAfter(before)) {
          delete(dir);
        }
      }
    } catch (IOException e) {
      LOG.warn("sweeping {} failed: {}", gone, e.toString());
    }
  }

  /** A release still to do: its name's lock free means its JVM is gone (a live one holds it until done). */
  private static void reclaimIfUnreleased(Path dir, BiConsumer<String, Path> reclaim) throws IOException {
    String entry = dir.getFileName().toString();
    int dot = entry.lastIndexOf('.');
    if (dot <= 0) {
      return; // not ours
    }
    String name = entry.substring(0, dot);
    Optional<NameLock> lock = NameLock.tryAcquire(name); // settles this JVM's own release of the name first
    if (lock.isEmpty()) {
      return; // a live process holds the name: its release, or a new run that made its groups afresh
    }
    try (NameLock held = lock.get()) {
      if (Files.exists(dir.resolve(RunState.FILE)) && !PENDING.containsKey(dir)) {
        reclaim.accept(name, dir);
        if (Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          delete(dir);
        }
      }
    }
  }

  private static void delete(Path dir) {
    try {
      FileTrees.delete(dir);
    } catch (IOException e) {
      LOG.warn("removing {} failed: {}", dir, e.toString());
    }
  }
}
