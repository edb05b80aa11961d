package dev.poc.launch;

import dev.poc.Stdio;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one poc-init spawned and connected ahead of need for each stdio setup in use, so that a
 * start skips fork, exec and connect (about 1.5-2 ms, a third of a start). A spare only waits for
 * its plan: it has no namespace, mount or cgroup yet, and it exits when the runtime (or the JVM)
 * closes its socket. The first start of a stdio setup pays for its own helper.
 *
 * <p>The spare taken is replaced once a container of this runtime has been released, or
 * {@link #REFILL_DELAY_MS} after the take, whichever comes first: not at once, when spawning it
 * (a thread, posix_spawn, two execs) would compete for the CPUs with the very start that took it,
 * its clone, its root and the wake-ups between the JVM and the helper (a quarter to half a
 * millisecond of a short container's start-to-exit on two cores).
 */
public final class SpareHelpers implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SpareHelpers.class);
  private static final long CONNECT_TIMEOUT_MS = 10_000;
  /** How long a refill waits for a release before it spawns anyway (a container that keeps running). */
  static final long REFILL_DELAY_MS = 20;

  /** A spawned, connected helper waiting for a plan. */
  record Helper(Process process, InitConnection connection) {
    /** Ends it and returns once it is gone: a discarded spare must not outlive close(). */
    void discard() {
      connection.close(); // the helper reads EOF instead of a plan, and exits
      killAndReap(process);
    }
  }

  /**
   * SIGKILL, then the wait for its end (microseconds), which an interrupt does not cut short (it
   * stays set): a discarded spare, or a helper the runtime's close() gave up waiting for.
   */
  public static void killAndReap(Process p) {
    p.destroyForcibly();
    boolean interrupted = false;
    while (true) {
      try {
        p.waitFor();
        break;
      } catch (InterruptedException e) {
        interrupted = true; // close() interrupts a refill that is discarding its spawn
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private final Map<List<Stdio>, Helper> spares = new ConcurrentHashMap<>();
  /** One thread at most, which ends when idle: no thread of poc's outlives the last container. */
  private final ExecutorService spawner = new ThreadPoolExecutor(0, 1, 100, TimeUnit.MILLISECONDS,
      new LinkedBlockingQueue<>(), r -> {
        Thread t = new Thread(r, "poc-spare-helper");
        t.setDaemon(true);
        return t;
      });
  /** The stdio setups whose refill is queued or waiting: at most one each. */
  private final java.util.Set<List<Stdio>> owed = ConcurrentHashMap.newKeySet();
  /** Counts releases, which a waiting refill watches for (guarded by this). */
  private long releases;
  private volatile boolean closed;

  /** A helper for this stdio setup: the spare when there is one, else a new one; then refills, later. */
  Helper take(Stdio in, Stdio out, Stdio err) throws IOException {
    List<Stdio> key = List.of(in, out, err);
    Helper spare = spares.remove(key);
    if (!closed && owed.add(key)) {
      try {
        spawner.execute(() -> {
          awaitRelease();
          owed.remove(key);
          refill(key);
        });
      } catch (java.util.concurrent.RejectedExecutionException closing) {
        owed.remove(key); // close() ran since the check: no refill, this start spawns its own
      }
    }
    if (spare != null && spare.process().isAlive()) {
      return spare;
    }
    if (spare != null) {
      spare.discard();
    }
    return spawn(in, out, err);
  }

  /** A container of this runtime has been released: a waiting refill goes ahead now. */
  public synchronized void released() {
    releases++;
    notifyAll();
  }

  /** Until the next {@link #released}, at most {@link #REFILL_DELAY_MS}; at once when interrupted (close). */
  private synchronized void awaitRelease() {
    long seen = releases;
    long deadline = System.nanoTime() + REFILL_DELAY_MS * 1_000_000;
    try {
      for (long left = REFILL_DELAY_MS; releases == seen && left > 0; left = (deadline - System.nanoTime()) / 1_000_000) {
        wait(left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // close(): refill sees closed and spawns nothing
    }
  }

  private void refill(List<Stdio> key) {
    if (closed || spares.containsKey(key)) {
      return;
    }
    try {
      Helper h = spawn(key.get(0), key.get(1), key.get(2));
      if (closed || spares.putIfAbsent(key, h) != null) {
        h.discard();
      } else if (closed && spares.remove(key, h)) {
        h.discard(); // close() ran while this one was being made
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("spawning a spare poc-init failed (the next start spawns its own): {}", e.toString());
    }
  }

  /** A new poc-init with these streams, connected; {@code mode} comes first (e.g. "exec"). */
  static Helper spawn(Stdio in, Stdio out, Stdio err, String... mode) throws IOException {
    InitConnection conn = InitConnection.listen();
    Process p = null;
    try {
      p = Launcher.spawn(conn.socketPath(), in, out, err, mode);
      conn.accept(p, CONNECT_TIMEOUT_MS);
      return new Helper(p, conn);
    } catch (IOException | RuntimeException e) {
      conn.close();
      if (p != null) {
        killAndReap(p);
      }
      throw e;
    }
  }

  /**
   * A helper that {@code spawner} has another process start (with that process's stdio), then
   * connected here; not a spare: the caller waits for it.
   */
  static Helper adopt(InitSpawner spawner) throws IOException {
    InitConnection conn = InitConnection.listenPinned(); // the pid reported must be the one that connects
    try {
      Process p = new ForeignProcess(spawner.spawn(InitBinary.path(), conn.socketPath(), InitBinary.sharedImage()));
      conn.accept(p, CONNECT_TIMEOUT_MS);
      return new Helper(p, conn);
    } catch (IOException | RuntimeException e) {
      conn.close(); // a helper that was started reads EOF, or finds no socket, and exits
      throw e;
    }
  }

  /**
   * Ends every spare, and returns once they are gone, a refill under way included (it discards
   * what it spawns once it sees the close); later takes spawn their own helper.
   */
  @Override
  public void close() {
    closed = true;
    spawner.shutdownNow();
    try {
      if (!spawner.awaitTermination(CONNECT_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
        LOG.warn("a spare poc-init being spawned did not connect within {} ms", CONNECT_TIMEOUT_MS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (List<Stdio> key : List.copyOf(spares.keySet())) {
      Helper h = spares.remove(key);
      if (h != null) {
        h.discard();
      }
    }
  }
}
