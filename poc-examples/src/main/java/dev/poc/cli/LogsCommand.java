package dev.poc.cli;

import dev.poc.ExitStatus;
import dev.poc.LogSnapshot;
import dev.poc.OutputFrame;
import java.io.PrintStream;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code logs [-f] NAME}: a container's output log, its stdout to ours and its stderr to ours. */
@Command(name = "logs", description = "Prints a container's output (kept in its log while it runs and after it ended, until rm).",
    footer = {"", "Example:", "  sudo ./poc logs -f bg"})
final class LogsCommand implements Callable<Integer> {
  @ParentCommand
  private Poc poc;

  @Parameters(paramLabel = "NAME", description = "A running or ended container (see ps -a).")
  private String name;

  @Option(names = {"-f", "--follow"}, description = "Keep printing new output until the container ends.")
  private boolean follow;

  @Override
  public Integer call() throws InterruptedException {
    if (!follow) {
      LogSnapshot log = poc.runtime().logs(name, 0);
      log.frames().forEach(LogsCommand::print);
      flush();
      return 0;
    }
    try {
      Optional<ExitStatus> exit = poc.runtime().followOutput(name, 0, LogsCommand::print).get();
      flush();
      exit.ifPresent(e -> System.err.println("poc: container '" + name + "' " + e));
      return 0;
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
    }
  }

  private static void print(OutputFrame f) {
    PrintStream out = f.type() == OutputFrame.Type.STDOUT ? System.out : System.err;
    out.write(f.bytes(), 0, f.bytes().length);
  }

  private static void flush() {
    System.out.flush();
    System.err.flush();
  }
}
