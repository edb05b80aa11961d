package dev.poc.network;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The slow tail of a networked container's release, taken off its caller's path. Deleting a host
 * veth costs 10 to 30 ms (the kernel waits for RCU grace periods before the link is gone), several
 * times the rest of a start-to-exit, and nothing the caller of {@code waitFor()} or {@code close()}
 * does next needs it gone.
 *
 * <p>Each job deletes one veth by its index (its peer goes with it) and only then drops the
 * container's address lease: an address is handed out again only once no interface has it. Jobs
 * run on one daemon thread shared by the JVM's runtimes, which ends when idle. A start of a name
 * whose job is pending runs that job first ({@link #settle}), so the name's veth is free for it;
 * {@link #drain} runs or awaits every job of one runtime (its {@code close()} and shutdown hook).
 *
 * <p>If the JVM dies with jobs pending, nothing leaks for good: the containers' netns names were
 * unbound before their jobs were queued, so the kernel deletes the veths as it frees the
 * namespaces; the leases stay, owned by run directories that are gone, and the next runtime on the
 * state root ({@link NetworkSetup#reclaimLeftLeases}), a prune, a full subnet or a new start of the
 * same name takes them back, each first deleting the veth if it is still there.
 */
final class VethReaper {
  private static final Logger LOG = LoggerFactory.getLogger(VethReaper.class);
  /** One thread for the JVM, started on demand and ended after a quiet while. */
  private static final ExecutorService THREAD = new ThreadPoolExecutor(0, 1, 2, TimeUnit.SECONDS,
      new LinkedBlockingQueue<>(), r -> {
        Thread t = new Thread(r, "poc-veth-reaper");
        t.setDaemon(true);
        return t;
      });

  private final Map<String, Job> pending = new ConcurrentHashMap<>();

  /**
   * Queues the deletion of container {@code name}'s host veth (index {@code vethIndex}, over the
   * socket {@code nl}, which the job closes), then the release of {@code lease} from {@code pool}.
   */
  void submit(String name, Rtnetlink nl, int vethIndex, AddressAllocator pool, AddressAllocator.Lease lease) {
    Job job = new Job(name, nl, vethIndex, pool, lease);
    Job earlier = pending.put(name, job);
    if (earlier != null) {
      earlier.run(); // cannot happen while the name lock is held from start to release; stay correct anyway
    }
    THREAD.execute(job::run);
  }

  /** Finishes container {@code name}'s pending job, if any, before a new start of that name. */
  void settle(String name) {
    Job job = pending.get(name);
    if (job != null) {
      job.run();
    }
  }

  /** Finishes every pending job: runs those not yet begun in this thread, awaits the others. */
  void drain() {
    for (Job job : List.copyOf(pending.values())) {
      job.run();
    }
  }

  /** How many jobs have not finished. */
  int pending() {
    return pending.size();
  }

  private final class Job {
    private final String name;
    private final Rtnetlink nl;
    private final int vethIndex;
    private final AddressAllocator pool;
    private final AddressAllocator.Lease lease;
    private final AtomicBoolean claimed = new AtomicBoolean();
    private final CountDownLatch done = new CountDownLatch(1);

    Job(String name, Rtnetlink nl, int vethIndex, AddressAllocator pool, AddressAllocator.Lease lease) {
      this.name = name;
      this.nl = nl;
      this.vethIndex = vethIndex;
      this.pool = pool;
      this.lease = lease;
    }

    /** Does the job, or, when another thread has begun it, waits until that thread is done. */
    void run() {
      if (!claimed.compareAndSet(false, true)) {
        awaitDone();
        return;
      }
      try {
        if (deleteVeth()) {
          releaseLease();
        }
      } finally {
        nl.close();
        pending.remove(name, this);
        done.countDown();
      }
    }

    private boolean deleteVeth() {
      try {
        nl.deleteLink(vethIndex); // false: the kernel freed it with the namespace, or a reclaim did
        return true;
      } catch (IOException e) {
        LOG.warn("deleting veth {} of '{}' failed: {}; its address stays leased until `poc prune`",
            InterfaceNames.hostVeth(name), name, e.toString());
        return false;
      }
    }

    private void releaseLease() {
      try {
        pool.release(lease);
      } catch (IOException | RuntimeException e) {
        LOG.warn("releasing the address of '{}' failed: {}", name, e.toString());
      }
    }

    private void awaitDone() {
      com.google.common.util.concurrent.Uninterruptibles.awaitUninterruptibly(done);
    }
  }
}
