package dev.poc.cli;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code stop NAME...}: SIGTERM, then SIGKILL after a grace period; the host pieces are released. */
@Command(name = "stop", description = "Stops running containers: SIGTERM, then SIGKILL after --time seconds.",
    footer = {"", "Example:", "  sudo ./poc stop test0"})
final class StopCommand implements Callable<Integer> {
  @ParentCommand
  private Poc poc;

  @Parameters(arity = "1..*", paramLabel = "NAME", description = "Running containers (see ps).")
  private List<String> names;

  @Option(names = {"-t", "--time"}, paramLabel = "SECONDS", description = "Grace period before SIGKILL (default ${DEFAULT-VALUE}).")
  private int seconds = 10;

  @Override
  public Integer call() {
    for (String name : names) {
      poc.runtime().stop(name, Duration.ofSeconds(seconds));
      System.out.println(name);
    }
    return 0;
  }
}
