package dev.poc.bench;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Runs variants interleaved: each round runs every variant once, the starting variant rotating
 * from round to round, so that drift of the machine (other load, thermal, page cache) falls on
 * all variants alike and no variant always runs right after the same other one. Warm-up rounds
 * run the same way and are discarded (they let the JIT compile poc's start path).
 */
final class Harness {
  private final int warmup;
  private final int iterations;
  private final long pauseMillis;
  private final Pattern only;
  private final PrintStream progress;

  Harness(int warmup, int iterations, PrintStream progress) {
    this(warmup, iterations, 0, null, progress);
  }

  /**
   * {@code pauseMillis} of quiet before each trial: the kernel finishes what the last one left
   * (network namespaces are torn down by a worker, cgroups' RCU grace periods run out), so that
   * no variant is helped or slowed by the one before it.
   */
  Harness(int warmup, int iterations, long pauseMillis, Pattern only, PrintStream progress) {
    if (warmup < 0 || iterations < 1) {
      throw new IllegalArgumentException("warm-up " + warmup + " must be >= 0 and iterations " + iterations + " >= 1");
    }
    this.warmup = warmup;
    this.iterations = iterations;
    this.pauseMillis = pauseMillis;
    this.only = only;
    this.progress = progress;
  }

  int iterations() {
    return iterations;
  }

  long pauseMillis() {
    return pauseMillis;
  }

  /** Whether --variants selects the variant named {@code name} (all are selected without it). */
  boolean selects(String name) {
    return only == null || only.matcher(name).find();
  }

  /** The same settings with other counts (a scenario whose runs are long takes fewer). */
  Harness withCounts(int warmupRounds, int iterationCount) {
    return new Harness(warmupRounds, iterationCount, pauseMillis, only, progress);
  }

  /** The measured samples of each variant (of those --variants selects), in the variants' order. */
  Map<String, long[]> run(List<Variant> all) throws Exception {
    List<Variant> variants = only == null ? all : all.stream().filter(v -> only.matcher(v.name()).find()).toList();
    Map<String, long[]> samples = new LinkedHashMap<>();
    for (Variant v : variants) {
      if (samples.put(v.name(), new long[iterations]) != null) {
        throw new IllegalArgumentException("two variants are named '" + v.name() + "'");
      }
    }
    int n = variants.size();
    int rounds = warmup + iterations;
    int reportEvery = Math.max(1, rounds / 10);
    for (int round = 0; round < rounds; round++) {
      for (int i = 0; i < n; i++) {
        Variant v = variants.get((round + i) % n);
        long nanos;
        if (pauseMillis > 0) {
          Thread.sleep(pauseMillis);
        }
        try {
          nanos = v.trial().run();
        } catch (Exception e) {
          throw new BenchmarkFailedException(v.name() + " failed in round " + (round + 1) + " of " + rounds + ": " + e.getMessage(), e);
        }
        if (round >= warmup) {
          samples.get(v.name())[round - warmup] = nanos;
        }
      }
      if (progress != null && (round + 1) % reportEvery == 0) {
        progress.printf("  round %d/%d%s%n", round + 1, rounds, round < warmup ? " (warm-up)" : "");
      }
    }
    return samples;
  }
}
