package dev.poc.cli;

import dev.poc.ContainerInfo;
import dev.poc.ContainerRuntime;
import dev.poc.RunInfo;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/** What {@code poc ps} prints: the built and the running containers of a runtime, one row each. */
final class PsTable {
  private static final String ROW = "%-20s %-11s %-8s %-15s %-28s %s%n";

  private PsTable() {}

  /** {@code all}: also the containers that have ended and are not removed yet ({@code ps -a}). */
  static void print(ContainerRuntime runtime, boolean quiet, boolean all, PrintStream out) {
    Map<String, RunInfo> runs = runtime.runs().stream().collect(Collectors.toMap(RunInfo::name, Function.identity()));
    Map<String, ContainerInfo> built = runtime.containers().stream()
        .collect(Collectors.toMap(ContainerInfo::name, Function.identity()));
    TreeMap<String, String> rows = new TreeMap<>();
    runs.values().forEach(r -> rows.put(r.name(), row(r, built.get(r.name()))));
    built.values().stream().filter(b -> !runs.containsKey(b.name()))
        .forEach(b -> rows.put(b.name(), String.format(ROW, b.name(), b.status().name().toLowerCase(), "-", "-", disk(b), "-")));
    if (all) {
      runtime.ended().forEach((name, exit) -> {
        if (!runs.containsKey(name)) {
          ContainerInfo b = built.get(name);
          String state = exit.map(e -> "exited(" + e.code() + ")").orElse("exited");
          rows.put(name, String.format(ROW, name, state, "-", "-", b != null ? disk(b) : "-", "-"));
        }
      });
    }
    if (quiet) {
      rows.keySet().forEach(out::println);
      return;
    }
    out.printf(ROW, "NAME", "STATE", "PID", "ADDRESS", "DISK", "UPTIME");
    rows.values().forEach(out::print);
  }

  private static String row(RunInfo r, ContainerInfo disk) {
    String where = (disk != null ? disk(disk) : r.rootfs()) + (r.detached() ? " (detached)" : "");
    return String.format(ROW, r.name(), "running", r.pid(), r.address().orElse("-"), where, uptime(r.uptime()));
  }

  private static String disk(ContainerInfo c) {
    return c.diskSize() + " over " + c.image();
  }

  static String uptime(Duration d) {
    long s = d.toSeconds();
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return (s / 60) + "m" + (s % 60) + "s";
    }
    if (s < 86400) {
      return (s / 3600) + "h" + (s % 3600 / 60) + "m";
    }
    return (s / 86400) + "d" + (s % 86400 / 3600) + "h";
  }
}
