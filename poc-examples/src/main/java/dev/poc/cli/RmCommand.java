package dev.poc.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code rm NAME...}: removes built containers: disk, loop device, mount, record. */
@Command(name = "rm", description = "Removes built containers (their disks and records). A running one needs --force.",
    footer = {"", "Example:", "  sudo ./poc rm test0"})
final class RmCommand implements Callable<Integer> {
  @ParentCommand
  private Poc poc;

  @Parameters(arity = "1..*", paramLabel = "NAME", description = "Containers to remove.")
  private List<String> names;

  @Option(names = {"-f", "--force"}, description = "Kill a running container first.")
  private boolean force;

  @Override
  public Integer call() {
    for (String name : names) {
      poc.runtime().remove(name, force);
      System.out.println(name);
    }
    return 0;
  }
}
