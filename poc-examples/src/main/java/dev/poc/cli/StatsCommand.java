package dev.poc.cli;

import dev.poc.PocException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code stats NAME}: the container's cgroup figures. */
@Command(name = "stats", description = "Shows a running container's memory, CPU and process figures.",
    footer = {"", "Example:", "  sudo ./poc stats test0"})
final class StatsCommand implements Callable<Integer> {
  @ParentCommand
  private Poc poc;

  @Parameters(index = "0", paramLabel = "NAME", description = "A running container (see ps).")
  private String name;

  @Override
  public Integer call() {
    throw new PocException("poc stats needs the cgroup layer, which this build of poc does not have yet");
  }
}
