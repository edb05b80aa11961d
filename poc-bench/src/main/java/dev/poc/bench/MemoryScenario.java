package dev.poc.bench;

import dev.poc.Container;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Scenario 5: resident memory a runtime keeps per running container, beside the container's own
 * command (busybox sleep, the same in all): poc's two helper processes (the outer poc-init and the
 * container's init, PID 1), vs the foreground {@code runc run} / {@code crun run} process that
 * stays as the container's parent. Also, indicatively, what the JVM keeps per container.
 */
final class MemoryScenario implements Scenario {
  static final String POC = "poc: poc-init outer + container init (PID 1)";
  static final String RUNC = "runc: `runc run` in the foreground";
  static final String CRUN = "crun: `crun run` in the foreground";

  @Override
  public int number() {
    return 5;
  }

  @Override
  public Section run(BenchEnv env, Harness harness) throws Exception {
    int n = Math.max(2, Math.min(20, harness.iterations() / 5));
    Section section = new Section("5. Resident memory a runtime adds per running container");
    Map<String, List<ProcessMemory>> rows = new LinkedHashMap<>();
    section.note(measurePoc(env, n, rows));
    if (env.hasOciRuntimes()) {
      Path bundle = env.bundle("sleep", List.of("/bin/sleep", "600"), OptionalLong.empty());
      rows.put(RUNC, measureOci(env, env.runc, bundle, n));
      rows.put(CRUN, measureOci(env, env.crun, bundle, n));
    }
    section.paragraph(n + " containers of `sleep 600` running at once per runtime; the sleep itself is not counted (it is the "
        + "same process in every runtime). RSS counts every resident page a process maps; PSS splits shared pages "
        + "(the static poc-init binary, runc's and crun's code) among the processes sharing them, so PSS is what one more "
        + "container costs. Values from /proc/PID/smaps_rollup; medians over the containers.");
    MarkdownTable t = new MarkdownTable("what stays per running container", ">containers", ">RSS median", ">PSS median",
        ">PSS ÷ poc");
    double pocPss = medianPss(rows.get(POC));
    rows.forEach((name, list) -> t.row(name, Integer.toString(list.size()), Format.kib(median(list, true)),
        Format.kib(median(list, false)), Format.ratio(medianPss(list), pocPss)));
    section.table(t);
    section.target(Target.atMost("poc helper PSS per container", pocPss / 1024, 1024, "KiB"));
    section.note("runc and crun started detached (`run -d`) leave no process of their own, but then nothing reaps the "
        + "container or reports its exit: that is what containerd-shim or conmon do, each a process per container too. "
        + "poc's helper is that monitor.");
    return section;
  }

  /** Measures poc's helpers into {@code rows}; returns what the JVM itself keeps per container. */
  private static String measurePoc(BenchEnv env, int n, Map<String, List<ProcessMemory>> rows) throws Exception {
    try (Container warm = env.pocTrials.spec("true").start()) { // load poc's classes before the baseline
      warm.waitFor();
    }
    MemoryMXBean heap = ManagementFactory.getMemoryMXBean();
    System.gc();
    long heapBefore = heap.getHeapMemoryUsage().getUsed();
    int threadsBefore = Thread.activeCount();
    List<Container> containers = new ArrayList<>();
    List<ProcessMemory> helpers = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        containers.add(env.pocTrials.spec("sleep", "600").start());
      }
      for (Container c : containers) {
        long outer = ProcessHandle.of(c.pid()).flatMap(ProcessHandle::parent)
            .orElseThrow(() -> new BenchmarkFailedException("the init of " + c.name() + " has no parent"))
            .pid();
        helpers.add(ProcessMemory.of(outer).plus(ProcessMemory.of(c.pid())));
      }
      System.gc();
      long heapPer = (heap.getHeapMemoryUsage().getUsed() - heapBefore) / n;
      double threadsPer = (Thread.activeCount() - threadsBefore) / (double) n;
      rows.put(POC, helpers);
      return String.format(java.util.Locale.ROOT, "Inside the JVM, each running poc container keeps %.1f thread(s) "
          + "(its waiter, with a mostly unused stack) and about %s of heap after a GC (indicative: measured as the "
          + "difference of heap use over %d containers).", threadsPer, Format.kib(Math.max(0, heapPer)), n);
    } finally {
      for (Container c : containers) {
        c.stop(Duration.ofSeconds(5));
      }
    }
  }

  private static List<ProcessMemory> measureOci(BenchEnv env, OciRuntime runtime, Path bundle, int n) throws Exception {
    List<ProcessMemory> result = new ArrayList<>();
    Map<String, Process> running = new LinkedHashMap<>();
    try {
      for (int i = 0; i < n; i++) {
        String id = env.names.next();
        running.put(id, HostCommand.start(runtime.run(bundle, id)));
      }
      for (Map.Entry<String, Process> e : running.entrySet()) {
        awaitChild(e.getValue(), runtime.program() + " " + e.getKey());
        result.add(ProcessMemory.of(e.getValue().pid()));
      }
    } finally {
      for (Map.Entry<String, Process> e : running.entrySet()) {
        try {
          HostCommand.output(runtime.kill(e.getKey(), "KILL"));
        } catch (BenchmarkFailedException ex) {
          env.log.println("  " + ex.getMessage());
        }
        e.getValue().waitFor();
      }
    }
    return result;
  }

  /** Waits until the runtime's process has its container process below it (the command runs). */
  static void awaitChild(Process p, String what) throws InterruptedException, IOException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (p.isAlive() && System.nanoTime() < deadline) {
      // the sleep is busybox exec'd (its argv[0] is not shown here); before the exec it is runc/crun itself
      boolean sleeping = p.toHandle().children()
          .anyMatch(c -> c.info().command().map(cmd -> cmd.endsWith("/busybox")).orElse(false));
      if (sleeping) {
        return;
      }
      Thread.sleep(10);
    }
    throw new BenchmarkFailedException(what + " did not get its sleep running within 10 s"
        + (p.isAlive() ? "" : " (it exited with " + p.exitValue() + ": " + new String(p.getErrorStream().readAllBytes()).trim() + ")"));
  }

  private static double medianPss(List<ProcessMemory> list) {
    return median(list, false);
  }

  private static double median(List<ProcessMemory> list, boolean rss) {
    return Summary.of(list.stream().mapToLong(m -> rss ? m.rssBytes() : m.pssBytes()).toArray()).median();
  }
}
