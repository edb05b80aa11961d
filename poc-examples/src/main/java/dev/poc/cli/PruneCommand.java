package dev.poc.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code prune}: removes everything poc made on this host that no running container uses. */
@Command(name = "prune", description = "Removes every container, disk, image and network piece poc made that nothing running uses.",
    footer = {"", "Example:", "  sudo ./poc prune"})
final class PruneCommand implements Callable<Integer> {
  @ParentCommand
  private Poc poc;

  @Override
  public Integer call() {
    throw Storage.notYet("poc prune");
  }
}
