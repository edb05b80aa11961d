package dev.poc.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code n} runs of a trial released at the same instant from {@code n} threads: the wall time
 * until the last one is done, each run's own time, and how many failed (with their messages).
 */
record Burst(long wallNanos, long[] latencies, List<String> failures) {

  static Burst of(int n, Trial trial) throws InterruptedException {
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      CountDownLatch ready = new CountDownLatch(n);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Long>> runs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        runs.add(pool.submit(() -> {
          ready.countDown();
          go.await();
          return trial.run();
        }));
      }
      ready.await();
      long t0 = System.nanoTime();
      go.countDown();
      List<Long> ok = new ArrayList<>();
      List<String> failures = new ArrayList<>();
      for (Future<Long> f : runs) {
        try {
          ok.add(f.get());
        } catch (java.util.concurrent.ExecutionException e) {
          failures.add(String.valueOf(e.getCause()));
        }
      }
      long wall = System.nanoTime() - t0;
      return new Burst(wall, ok.stream().mapToLong(Long::longValue).toArray(), failures);
    } finally {
      pool.shutdownNow();
    }
  }
}
