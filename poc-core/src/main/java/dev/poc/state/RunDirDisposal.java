package dev.poc.state;

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
 * Takes the removal of an ended container's run directory off its caller's path. On ext4 (with
 * the {@code discard} option of the VMs poc is measured on) an rmdir costs 0.2 to 2 ms, with the
 * disk's other traffic (and more for a run directory with directories inside, such as an image's
 * upper layer): up to a third of a whole start-to-exit. A rename costs 0.1 ms. So the directory is renamed aside, to
 * {@code STATE/run-gone/NAME.RANDOM}, which frees its name for the next start at once, and one
 * daemon thread of the JVM (started on demand, ended when idle) deletes it.
 *
 * <p>A runtime's close (and its shutdown hook) and a prune wait for what is pending
 * ({@link #awaitAll}); what a JVM that died left aside is deleted by the next runtime that opens
 * on the state root ({@link #sweep}), or by a prune. Where the rename cannot be made (the run
 * directory on a file system of its own), the directory is deleted at once, as before.
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

  /** Renames {@code runDir} ({@code STATE/run/NAME}) aside and has it deleted in the background. */
  public static void dispose(Path runDir) {
    Path aside;
    try {
      Path gone = Files.createDirectories(runDir.getParent().resolveSibling(GONE));
      aside = gone.resolve(runDir.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()));
      Files.move(runDir, aside, StandardCopyOption.ATOMIC_MOVE);
    } catch (NoSuchFileException e) {
      return; // gone already
    } catch (IOException | RuntimeException e) {
      delete(runDir); // no rename here (another file system, say): as before, at once
      return;
    }
    FutureTask<Void> task = new FutureTask<>(() -> {
      delete(aside);
      PENDING.remove(aside);
      return null;
    });
    PENDING.put(aside, task);
    THREAD.execute(task);
  }

  /** Deletes, in this thread, every directory set aside in this JVM whose deletion has not begun; awaits the others. */
  public static void awaitAll() {
    boolean interrupted = false;
    for (FutureTask<Void> task : List.copyOf(PENDING.values())) {
      task.run(); // nothing when the disposal thread has it already
      while (true) {
        try {
          task.get();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          break; // delete() logs its failures and throws none
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** How many directories set aside in this JVM are not deleted yet. */
  public static int pending() {
    return PENDING.size();
  }

  /**
   * Deletes what was set aside under {@code stateRoot} by a JVM that died before deleting it:
   * entries older than a minute (a live JVM's pending ones are younger, and its own to delete).
   */
  public static void sweep(Path stateRoot) {
    sweep(stateRoot, STALE);
  }

  static void sweep(Path stateRoot, Duration olderThan) {
    Path gone = stateRoot.resolve(GONE);
    if (!Files.isDirectory(gone)) {
      return;
    }
    Instant before = Instant.now().minus(olderThan);
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(gone)) {
      for (Path dir : dirs) {
        // ctime: the rename aside set it, whatever the directory's own mtime was
        FileTime changed = (FileTime) Files.getAttribute(dir, "unix:ctime", java.nio.file.LinkOption.NOFOLLOW_LINKS);
        if (!changed.toInstant().isAfter(before) && !PENDING.containsKey(dir)) {
          delete(dir);
        }
      }
    } catch (IOException e) {
      LOG.warn("sweeping {} failed: {}", gone, e.toString());
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
