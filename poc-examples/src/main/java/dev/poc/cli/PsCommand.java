package dev.poc.cli;

import dev.poc.RunInfo;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code ps}: the containers under the state root. */
@Command(name = "ps", description = "Lists containers: name, state, pid, address, disk, uptime.",
    footer = {"", "Example:", "  sudo ./poc ps"})
final class PsCommand implements Callable<Integer> {
  private static final String ROW = "%-20s %-8s %-8s %-15s %-24s %s%n";

  @ParentCommand
  private Poc poc;

  @Option(names = {"-q", "--quiet"}, description = "Only names.")
  private boolean quiet;

  @Override
  public Integer call() {
    List<RunInfo> all = poc.runtime().runs();
    if (!quiet) {
      System.out.printf(ROW, "NAME", "STATE", "PID", "ADDRESS", "DISK", "UPTIME");
    }
    for (RunInfo c : all) {
      if (quiet) {
        System.out.println(c.name());
        continue;
      }
      System.out.printf(ROW, c.name(), "running", Integer.toString(c.pid()), c.address().orElse("-"),
          c.rootfs() + (c.detached() ? " (detached)" : ""), uptime(c.uptime()));
    }
    return 0;
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
