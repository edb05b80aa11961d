package dev.poc.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code ps}: the built and the running containers under the state root. */
@Command(name = "ps", description = "Lists containers, built or running (-a: ended too): name, state, pid, address, disk, uptime.",
    footer = {"", "Example:", "  sudo ./poc ps"})
final class PsCommand implements Callable<Integer> {
  @ParentCommand
  private Poc poc;

  @Option(names = {"-q", "--quiet"}, description = "Only names.")
  private boolean quiet;

  @Option(names = {"-a", "--all"}, description = "Also the containers that have ended and are not removed yet.")
  private boolean all;

  @Override
  public Integer call() {
    PsTable.print(poc.runtime(), quiet, all, System.out);
    return 0;
  }
}
