package dev.poc.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code prune}: removes everything poc made under the state root, and poc's own host objects. */
@Command(name = "prune", description = "Stops and removes every container, disk and built image under the state root, and poc's host objects; pulled images stay (a cache), their unused layers go.",
    footer = {"", "Example:", "  sudo ./poc prune"})
final class PruneCommand implements Callable<Integer> {
  @ParentCommand
  private Poc poc;

  @Override
  public Integer call() {
    poc.runtime().prune();
    System.out.println("pruned " + poc.stateRoot());
    return 0;
  }
}
