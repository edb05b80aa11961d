package dev.poc.cli;

import dev.poc.ContainerStats;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code stats NAME...}: the containers' cgroup figures, as {@code docker stats --no-stream} shows them. */
@Command(name = "stats",
    description = {"Shows running containers' memory, CPU time, processes, throttling and OOM kills.",
        "Memory now and at its peak, CPU time, processes, CPU throttling, and whether the OOM killer ended",
        "any of their processes. Works for containers any process started."},
    footer = {"", "Example:", "  sudo ./poc stats test0"})
final class StatsCommand implements Callable<Integer> {
  private static final String ROW = "%-20s %-9s %-9s %-9s %-6s %-18s %s%n";

  @ParentCommand
  private Poc poc;

  @Parameters(arity = "1..*", paramLabel = "NAME", description = "Running containers (see ps).")
  private List<String> names;

  @Override
  public Integer call() {
    Map<String, ContainerStats> all = new LinkedHashMap<>();
    for (String name : names) {
      all.put(name, poc.runtime().stats(name)); // all read before any is shown: a wrong name prints no table
    }
    System.out.printf(ROW, "NAME", "MEMORY", "PEAK", "CPU", "PIDS", "THROTTLED", "OOM KILLED");
    for (Map.Entry<String, ContainerStats> e : all.entrySet()) {
      String name = e.getKey();
      ContainerStats s = e.getValue();
      System.out.printf(ROW, name, Words.humanSize(s.memoryBytes()), Words.humanSize(s.memoryPeakBytes()),
          seconds(s.cpuTime()), s.pids(), s.throttledPeriods() + "x " + seconds(s.throttledTime()),
          s.oomKilled() ? "yes" : "no");
    }
    return 0;
  }

  private static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.2fs", d.toNanos() / 1e9);
  }
}
