package dev.poc.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code threads} threads released at the same instant, each running a trial {@code runsPerThread}
 * times one after the other: the wall time until the last one is done, each run's own time, and
 * how many failed (with their messages). A thread whose run fails goes on with its next run.
 */
record Burst(long wallNanos, long[] latencies, List<String> failures) {

  static Burst of(int n, Trial trial) throws InterruptedException {
    return of(n, 1, trial);
  }

  static Burst of(int threads, int runsPerThread, Trial trial) throws InterruptedException {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch ready = new CountDownLatch(threads);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Long>> runs = new ArrayList<>();
      List<Long> ok = java.util.Collections.synchronizedList(new ArrayList<>());
      List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
      for (int i = 0; i < threads; i++) {
        runs.add(pool.submit(() -> {
          ready.countDown();
          go.await();
          for (int r = 0; r < runsPerThread; r++) {
            try {
              ok.add(trial.run());
            } catch (Exception e) {
              failures.add(String.valueOf(e));
            }
          }
          return 0L;
        }));
      }
      ready.await();
      long t0 = System.nanoTime();
      go.countDown();
      for (Future<Long> f : runs) {
        try {
          f.get();
        } catch (java.util.concurrent.ExecutionException e) {
          failures.add(String.valueOf(e.getCause()));
        }
      }
      long wall = System.nanoTime() - t0;
      return new Burst(wall, ok.stream().mapToLong(Long::longValue).toArray(), List.copyOf(failures));
    } finally {
      pool.shutdownNow();
    }
  }

  /** Runs that ended, with success or not. */
  int runs() {
    return latencies.length + failures.size();
  }

  /** Runs that succeeded per second of wall time. */
  double startsPerSecond() {
    return latencies.length / (wallNanos / 1e9);
  }
}
