package dev.poc.bench;

import dev.poc.Container;
import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Scenario 11: what an idle running container costs the host in all, not only its runtime's
 * monitor (scenario 5). N containers of {@code sleep} running at once: poc's helper processes
 * (outer poc-init and the container's init) plus its command, plus what the JVM grew by per
 * container; beside crun's container started detached ({@code run -d}, no conmon: its processes
 * are the command alone) and crun run in the foreground (crun stays as the parent). The host's
 * MemAvailable drop per container (kernel objects too: namespaces, cgroups, page tables) is shown
 * beside, indicative only on a shared machine.
 */
final class IdleMemoryScenario implements Scenario {
  static final String POC = "poc: helpers (outer poc-init + init) + sleep + the JVM's growth";
  static final String CRUN_DETACHED = "crun run -d (no conmon): the container's processes (sleep)";
  static final String CRUN_FOREGROUND = "crun run in the foreground: crun + sleep";
  private static final Pattern PID = Pattern.compile("\"pid\"\\s*:\\s*(\\d+)");

  /** One runtime's cost per container: processes' RSS and PSS, plus the JVM's and the host's views. */
  record Cost(long rss, long pss, long jvmRss, long memAvailableDrop, String detail) {
    long total() {
      return pss + jvmRss;
    }
  }

  @Override
  public int number() {
    return 11;
  }

  @Override
  public Section run(BenchEnv env, Harness harness) throws Exception {
    int n = Math.min(20, Math.max(4, harness.iterations()));
    Section section = new Section("11. Memory per idle running container, all of it: " + n + " × sleep");
    Map<String, Cost> rows = new LinkedHashMap<>();
    rows.put(POC, measurePoc(env, n));
    if (env.crun.available()) {
      Path bundle = env.bundle("sleep", List.of("/bin/sleep", "600"), OptionalLong.empty());
      rows.put(CRUN_DETACHED, measureCrunDetached(env, bundle, n));
      rows.put(CRUN_FOREGROUND, measureCrunForeground(env, bundle, n));
    } else {
      section.note("crun is not installed (apt-get install -y crun): its rows are missing.");
    }
    section.paragraph(n + " containers of busybox `sleep 600` running at once per runtime; per container, the medians of "
        + "the processes' RSS and PSS (from /proc/PID/smaps_rollup; PSS splits shared pages among their sharers, so it is "
        + "what one more container costs), the JVM's growth ÷ " + n + " (poc only: its heap in use after a GC plus its RSS "
        + "outside the heap once glibc has handed back the memory it keeps free; pages of heap it had committed before "
        + "and touches for the first time are not the containers'), and the host's "
        + "MemAvailable drop ÷ " + n + " (with kernel memory: namespaces, cgroups, page tables; moved by every other user "
        + "of the machine, so indicative). The total is PSS + the JVM's growth.");
    MarkdownTable t = new MarkdownTable("per idle running container", ">RSS", ">PSS", ">JVM growth", ">total",
        ">total ÷ crun -d", ">MemAvailable drop");
    Cost crun = rows.get(CRUN_DETACHED);
    rows.forEach((name, c) -> t.row(name, Format.kib(c.rss()), Format.kib(c.pss()), Format.kib(c.jvmRss()),
        Format.kib(c.total()), crun == null ? "n/a" : Format.ratio(c.total(), crun.total()), Format.kib(c.memAvailableDrop())));
    section.table(t);
    if (crun != null) {
      // issue 16's goal compares like with like, as its baseline did (scenario 5: 0.32x crun run):
      // a runtime that stays as the container's monitor, reaping it and reporting its exit
      Cost fg = rows.get(CRUN_FOREGROUND);
      section.target(Target.atMost("poc total ÷ crun run total (in the foreground: crun stays as the container's monitor, "
          + "as poc's helper does), per idle container", rows.get(POC).total() / (double) fg.total(), 1, ""));
      section.note("poc's total is " + Format.ratio(rows.get(POC).total(), crun.total()) + " crun run -d's, which leaves no "
          + "process of crun's: nothing of crun's reaps the container or reports its exit, which an engine then does with a "
          + "monitor process per container of its own (containerd-shim, conmon), not counted here.");
    }
    rows.forEach((name, c) -> section.note(name + ": " + c.detail()));
    return section;
  }

  private static Cost measurePoc(BenchEnv env, int n) throws Exception {
    try (Container warm = env.pocTrials.spec("true").start()) { // poc's classes loaded before the baseline
      warm.waitFor();
    }
    long rssBefore = jvmRssBytes();
    long availBefore = memAvailableBytes();
    List<Container> containers = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        containers.add(env.pocTrials.spec("sleep", "600").start());
      }
      long[] helperRss = new long[n];
      long[] helperPss = new long[n];
      long[] sleepRss = new long[n];
      long[] sleepPss = new long[n];
      for (int i = 0; i < n; i++) {
        Container c = containers.get(i);
        ProcessHandle init = ProcessHandle.of(c.pid()).orElseThrow(() -> new BenchmarkFailedException(c.name() + " has no init"));
        long outer = init.parent().orElseThrow(() -> new BenchmarkFailedException("the init of " + c.name() + " has no parent")).pid();
        long sleep = awaitOnlyChild(init, c.name());
        ProcessMemory helpers = ProcessMemory.of(outer).plus(ProcessMemory.of(c.pid()));
        ProcessMemory command = ProcessMemory.of(sleep);
        helperRss[i] = helpers.rssBytes();
        helperPss[i] = helpers.pssBytes();
        sleepRss[i] = command.rssBytes();
        sleepPss[i] = command.pssBytes();
      }
      long availDrop = (availBefore - memAvailableBytes()) / n;
      long jvm = Math.max(0, (jvmRssBytes() - rssBefore) / n);
      long hp = median(helperPss);
      long sp = median(sleepPss);
      return new Cost(median(helperRss) + median(sleepRss), hp + sp, jvm, availDrop,
          String.format(Locale.ROOT, "helpers %s PSS, sleep %s PSS, the JVM %s per container", Format.kib(hp), Format.kib(sp),
              Format.kib(jvm)));
    } finally {
      for (Container c : containers) {
        c.stop(Duration.ofSeconds(5));
      }
    }
  }

  private static Cost measureCrunDetached(BenchEnv env, Path bundle, int n) throws Exception {
    OciRuntime crun = env.crun;
    long availBefore = memAvailableBytes();
    List<String> ids = new ArrayList<>();
    try {
      long[] rss = new long[n];
      long[] pss = new long[n];
      for (int i = 0; i < n; i++) {
        String id = env.names.next();
        List<String> cmd = crun.runDetached(bundle, id);
        // everything discarded: the container keeps the streams it is given, and a pipe would never close
        Process p = new ProcessBuilder(cmd).redirectInput(Redirect.from(new File("/dev/null"))).redirectOutput(Redirect.DISCARD)
            .redirectError(Redirect.DISCARD).start();
        ids.add(id);
        if (p.waitFor() != 0) {
          throw new BenchmarkFailedException("`" + String.join(" ", cmd) + "` exited with " + p.exitValue());
        }
      }
      for (int i = 0; i < n; i++) {
        String state = HostCommand.output(crun.state(ids.get(i)));
        Matcher m = PID.matcher(state);
        if (!m.find()) {
          throw new BenchmarkFailedException("crun state " + ids.get(i) + " names no pid: " + state.trim());
        }
        ProcessMemory mem = ProcessMemory.of(Long.parseLong(m.group(1)));
        rss[i] = mem.rssBytes();
        pss[i] = mem.pssBytes();
      }
      long availDrop = (availBefore - memAvailableBytes()) / n;
      return new Cost(median(rss), median(pss), 0, availDrop, "the sleep alone; nothing of crun stays running");
    } finally {
      for (String id : ids) {
        try {
          HostCommand.output(crun.delete(id));
        } catch (BenchmarkFailedException e) {
          env.log.println("  " + e.getMessage());
        }
      }
    }
  }

  private static Cost measureCrunForeground(BenchEnv env, Path bundle, int n) throws Exception {
    OciRuntime crun = env.crun;
    long availBefore = memAvailableBytes();
    Map<String, Process> running = new LinkedHashMap<>();
    try {
      long[] rss = new long[n];
      long[] pss = new long[n];
      long[] crunPss = new long[n];
      for (int i = 0; i < n; i++) {
        String id = env.names.next();
        running.put(id, HostCommand.start(crun.run(bundle, id)));
      }
      int i = 0;
      for (Map.Entry<String, Process> e : running.entrySet()) {
        MemoryScenario.awaitChild(e.getValue(), "crun " + e.getKey());
        ProcessMemory own = ProcessMemory.of(e.getValue().pid());
        ProcessMemory all = own;
        for (ProcessHandle d : e.getValue().toHandle().descendants().toList()) {
          all = all.plus(ProcessMemory.of(d.pid()));
        }
        rss[i] = all.rssBytes();
        pss[i] = all.pssBytes();
        crunPss[i] = own.pssBytes();
        i++;
      }
      long availDrop = (availBefore - memAvailableBytes()) / n;
      return new Cost(median(rss), median(pss), 0, availDrop, "crun itself " + Format.kib(median(crunPss)) + " PSS");
    } finally {
      for (Map.Entry<String, Process> e : running.entrySet()) {
        try {
          HostCommand.output(crun.kill(e.getKey(), "KILL"));
        } catch (BenchmarkFailedException ex) {
          env.log.println("  " + ex.getMessage());
        }
        e.getValue().waitFor();
      }
    }
  }

  /** The init's one child, the command, once it has been exec'd (the init reports EXEC before start() returns). */
  private static long awaitOnlyChild(ProcessHandle init, String name) throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (System.nanoTime() < deadline) {
      List<ProcessHandle> children = init.children().toList();
      if (children.size() == 1) {
        return children.get(0).pid();
      }
      Thread.sleep(10);
    }
    throw new BenchmarkFailedException("the init of " + name + " has no single child (its command) after 5 s");
  }

  private static long jvmRssBytes() throws IOException {
    return ResourceGauges.jvmFootprintKib() * 1024;
  }

  private static long memAvailableBytes() throws IOException {
    return kibLine(Path.of("/proc/meminfo"), "MemAvailable:") * 1024;
  }

  private static long kibLine(Path file, String key) throws IOException {
    for (String line : Files.readAllLines(file)) {
      if (line.startsWith(key)) {
        return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
      }
    }
    throw new IOException("no " + key + " line in " + file);
  }

  private static long median(long[] values) {
    return Math.round(Summary.of(values).median());
  }
}
