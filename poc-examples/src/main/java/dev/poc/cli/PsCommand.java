package dev.poc.cli;

import dev.poc.ContainerInfo;
import dev.poc.RunInfo;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code ps}: the built and the running containers under the state root. */
@Command(name = "ps", description = "Lists containers, built or running (-a: ended too): name, state, pid, address, disk, uptime.",
    footer = {"", "Example:", "  sudo ./poc ps"})
final class PsCommand implements Callable<Integer> {
  private static final String ROW = "%-20s %-11s %-8s %-15s %-28s %s%n";

  @ParentCommand
  private Poc poc;

  @Option(names = {"-q", "--quiet"}, description = "Only names.")
  private boolean quiet;

  @Option(names = {"-a", "--all"}, description = "Also the containers that have ended and are not removed yet.")
  private boolean all;

  @Override
  public Integer call() {
    Map<String, RunInfo> runs = poc.runtime().runs().stream().collect(Collectors.toMap(RunInfo::name, Function.identity()));
    Map<String, ContainerInfo> built = poc.runtime().containers().stream()
        .collect(Collectors.toMap(ContainerInfo::name, Function.identity()));
    TreeMap<String, String> rows = new TreeMap<>();
    runs.values().forEach(r -> rows.put(r.name(), row(r, built.get(r.name()))));
    built.values().stream().filter(b -> !runs.containsKey(b.name()))
        .forEach(b -> rows.put(b.name(), String.format(ROW, b.name(), b.status().name().toLowerCase(), "-", "-", disk(b), "-")));
    if (all) {
      poc.runtime().ended().forEach((name, exit) -> {
        if (!runs.containsKey(name)) {
          ContainerInfo b = built.get(name);
          String state = exit.map(e -> "exited(" + e.code() + ")").orElse("exited");
          rows.put(name, String.format(ROW, name, state, "-", "-", b != null ? disk(b) : "-", "-"));
        }
      });
    }
    if (quiet) {
      rows.keySet().forEach(System.out::println);
      return 0;
    }
    System.out.printf(ROW, "NAME", "STATE", "PID", "ADDRESS", "DISK", "UPTIME");
    rows.values().forEach(System.out::print);
    return 0;
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
