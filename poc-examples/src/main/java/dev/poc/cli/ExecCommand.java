package dev.poc.cli;

import dev.poc.ContainerProcess;
import dev.poc.ExecSpec;
import dev.poc.Stdio;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code exec NAME CMD...}: a command inside a running container (its namespaces and cgroups). */
@Command(name = "exec", sortOptions = false,
    description = {"Runs CMD inside the running container NAME and returns its exit status.",
        "Works for containers any process started, detached ones included."},
    footer = {"", "Example:", "  sudo ./poc exec test0 ps aux"})
final class ExecCommand implements Callable<Integer> {
  @ParentCommand
  private Poc poc;

  @Spec
  private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NAME", description = "A running container (see ps).")
  private String name;

  @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD", parameterConsumer = RestOfLine.class,
      description = "The command and its arguments.")
  private List<String> command = new ArrayList<>();

  @Mixin
  private ProcessOptions options;

  @Override
  public Integer call() throws Exception {
    CommandLine cmd = spec.commandLine();
    int[] ug = options.user(cmd);
    ExecSpec.Builder exec = ExecSpec.builder().command(command).putAllEnv(options.env(cmd))
        .cwd(options.workdir() == null ? "/" : options.workdir()).uid(ug == null ? 0 : ug[0]).gid(ug == null ? 0 : ug[1])
        .stdin(Stdio.INHERIT).stdout(Stdio.INHERIT).stderr(Stdio.INHERIT).tty(options.tty());
    try (ContainerProcess p = Errors.badSpecIsUsage(cmd, () -> poc.runtime().exec(name, exec.build()))) {
      return p.waitFor();
    }
  }
}
