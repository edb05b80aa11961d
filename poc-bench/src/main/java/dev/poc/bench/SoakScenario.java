package dev.poc.bench;

import dev.poc.Network;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Scenario 10: a soak. {@code cycles} containers (10,000 by default, {@code --soak-cycles}) started
 * and run to their exit one after the other in this JVM, BRIDGE and no network alternating, no
 * pause between them. The resources a leak would grow are counted after the first 100 cycles and at
 * the end; the per-start time of the first and of the last 1,000 cycles are compared, per kind.
 */
final class SoakScenario implements Scenario {
  private final int cycles;

  SoakScenario(int cycles) {
    if (cycles < 20) {
      throw new IllegalArgumentException("--soak-cycles " + cycles + " is too few to compare a start with an end: give 20 or more");
    }
    this.cycles = cycles;
  }

  @Override
  public int number() {
    return 10;
  }

  @Override
  public Section run(BenchEnv env, Harness harness) throws Exception {
    Section section = new Section("10. Soak: " + cycles + " start/stop cycles in one JVM, BRIDGE and no network alternating");
    int early = Math.min(100, cycles / 2);
    int window = Math.min(1000, cycles / 10);
    Trial bridged = env.pocTrials.startToExit(b -> b.network(Network.BRIDGE));
    Trial disabled = env.pocTrials.startToExit(b -> b);
    long[] nanos = new long[cycles];
    int halfway = Math.max(early + 1, cycles / 2);
    boolean nmt = JvmDiagnostics.tracksNativeMemory();
    ResourceGauges atEarly = null;
    ResourceGauges atHalfway = null;
    long t0 = System.nanoTime();
    for (int i = 0; i < cycles; i++) {
      try {
        nanos[i] = (i % 2 == 0 ? bridged : disabled).run();
      } catch (Exception e) {
        throw new BenchmarkFailedException("soak cycle " + (i + 1) + " of " + cycles + " (" + (i % 2 == 0 ? "BRIDGE" : "no network")
            + ") failed: " + e.getMessage(), e);
      }
      if (i + 1 == early) {
        atEarly = settledGauges(env);
        if (nmt) {
          JvmDiagnostics.nativeMemoryBaseline();
        }
      } else if (i + 1 == halfway) {
        atHalfway = settledGauges(env);
      }
      if ((i + 1) % Math.max(1, cycles / 10) == 0) {
        env.log.printf("  soak %d/%d cycles%n", i + 1, cycles);
      }
    }
    long wall = System.nanoTime() - t0;
    ResourceGauges atEnd = settledGauges(env);

    section.paragraph("Each cycle is a start-to-exit of /bin/true in the busybox root (`start()`, `waitFor()`, `close()`), "
        + "even cycles with BRIDGE networking, odd ones without a network, one right after the other (" + Format.millis(wall)
        + " in all). The gauges are read after cycle " + early + ", after cycle " + halfway + " and after the last, each time once the runtime's "
        + "asynchronous veth release has caught up (at most 5 s); the JVM's after a GC, and its RSS again after "
        + "`System.trim_native_heap` (glibc hands back the memory it keeps free: what is in use, not the allocator's cache). "
        + "Host-wide counts move with the "
        + "machine's other users; those of this run must not move at all.");
    MarkdownTable gauges = new MarkdownTable("gauge", ">after " + early + " cycles", ">after " + halfway, ">after " + cycles,
        ">end − " + early, ">end − " + halfway);
    for (String k : atEarly.values().keySet()) {
      long a = atEarly.values().get(k);
      long h = atHalfway == null ? a : atHalfway.values().get(k);
      long b = atEnd.values().get(k);
      gauges.row(k, Long.toString(a), Long.toString(h), Long.toString(b), signed(b - a), signed(b - h));
    }
    section.table(gauges);
    MarkdownTable times = new MarkdownTable("cycles", ">first " + window + " median", ">last " + window + " median",
        ">last ÷ first", ">first p90", ">last p90");
    double[] ratios = new double[2];
    for (int kind = 0; kind < 2; kind++) {
      long[] first = every(nanos, 0, window, kind);
      long[] last = every(nanos, cycles - window, cycles, kind);
      Summary f = Summary.of(first);
      Summary l = Summary.of(last);
      ratios[kind] = l.median() / f.median();
      times.row(kind == 0 ? "BRIDGE" : "no network", Format.millis(f.median()), Format.millis(l.median()),
          Format.ratio(l.median(), f.median()), Format.millis(f.p90()), Format.millis(l.p90()));
    }
    section.table(times);
    for (String k : ResourceGauges.MUST_NOT_GROW) {
      section.target(Target.atMost(k + ", growth from cycle " + early + " to the end", atEnd.values().get(k) - atEarly.values().get(k), 0, ""));
    }
    section.target(Target.atMost("BRIDGE per-start median, last " + window + " ÷ first " + window, ratios[0], 1.1, ""));
    section.target(Target.atMost("no network per-start median, last " + window + " ÷ first " + window, ratios[1], 1.1, ""));
    ResourceGauges.added(atEarly.fds(), atEnd.fds()).forEach(f -> section.note("fd open at the end, not after cycle " + early + ": " + f));
    ResourceGauges.added(atEarly.threads(), atEnd.threads()).forEach(t -> section.note("thread alive at the end, not after cycle " + early + ": " + t));
    String native_ = "JVM RSS outside the heap (KiB)";
    long early2end = atEnd.values().get(native_) - atEarly.values().get(native_);
    long half2end = atHalfway == null ? early2end : atEnd.values().get(native_) - atHalfway.values().get(native_);
    section.target(Target.atMost(native_.replace(" (KiB)", "") + ", growth from cycle " + early + " to the end", early2end, 0, "KiB"));
    String resident = "JVM heap resident (KiB)";
    section.note(String.format(Locale.ROOT, "the JVM's RSS outside its heap moved by %+d KiB from cycle %d to the end and "
        + "by %+d KiB over the second half (%.0f bytes per cycle there); the heap's resident pages by %+d KiB, within the "
        + "%d KiB the collector keeps committed, while the heap in use after a GC moved by %+d KiB: the collector touches "
        + "regions it had committed and not used yet, which RSS counts from then on", early2end, early, half2end,
        half2end * 1024.0 / Math.max(1, cycles - halfway), atEnd.values().get(resident) - atEarly.values().get(resident),
        atEnd.values().get("JVM heap committed (KiB)"), atEnd.values().get("JVM heap used after GC (KiB)")
            - atEarly.values().get("JVM heap used after GC (KiB)")));
    if (nmt) {
      section.block("The JVM's native memory tracking (`-XX:NativeMemoryTracking=summary`), the end beside cycle " + early
          + ":", JvmDiagnostics.nativeMemoryDiff());
    }
    return section;
  }

  private static String signed(long d) {
    return (d > 0 ? "+" : "") + d;
  }

  /** The samples of cycles [from, to) of one kind (0: even cycles, BRIDGE; 1: odd, no network). */
  private static long[] every(long[] nanos, int from, int to, int kind) {
    List<Long> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      if (i % 2 == kind) {
        out.add(nanos[i]);
      }
    }
    return out.stream().mapToLong(Long::longValue).toArray();
  }

  /**
   * The gauges once no link of this run is left (the veth reaper works after waitFor() returns;
   * at most 5 s), read 10 times 30 ms apart, keeping the reading with the fewest fds and threads:
   * the runtime refills its spare helper in a thread of its own right after a start, and a leak
   * stays in every reading where such a moment's thread or pipe does not.
   */
  private static ResourceGauges settledGauges(BenchEnv env) throws Exception {
    long deadline = System.nanoTime() + 5_000_000_000L;
    ResourceGauges g = ResourceGauges.read(env.names.prefix(), env.workDir, env.stateRoot);
    while (g.values().get("links of this run") > 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
      g = ResourceGauges.read(env.names.prefix(), env.workDir, env.stateRoot);
    }
    for (int i = 0; i < 9; i++) {
      Thread.sleep(30);
      ResourceGauges again = ResourceGauges.read(env.names.prefix(), env.workDir, env.stateRoot);
      if (transients(again) < transients(g)) {
        g = again;
      }
    }
    return g;
  }

  private static long transients(ResourceGauges g) {
    return g.values().get("JVM open fds") + g.values().get("JVM threads");
  }
}
