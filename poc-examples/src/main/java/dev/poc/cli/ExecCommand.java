package dev.poc.cli;

import dev.poc.ContainerProcess;
import dev.poc.ExecSpec;
import dev.poc.Stdio;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
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

  @Option(names = {"-e", "--env"}, paramLabel = "K=V", description = "Set an environment variable.")
  private List<String> env = new ArrayList<>();

  @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "Working directory inside (default /).")
  private String workdir = "/";

  @Option(names = {"-u", "--user"}, paramLabel = "UID[:GID]", description = "Run as this user (default 0:0).")
  private String user = "0";

  @Option(names = {"-T", "--no-tty"}, description = "Plain pipes even on a terminal.")
  private boolean noTty;

  @Override
  public Integer call() throws Exception {
    int[] ug = Words.user(spec.commandLine(), user);
    ExecSpec exec = ExecSpec.builder().command(command).putAllEnv(Words.env(spec.commandLine(), env))
        .cwd(workdir).uid(ug[0]).gid(ug[1])
        .stdin(Stdio.INHERIT).stdout(Stdio.INHERIT).stderr(Stdio.INHERIT)
        .tty(!noTty && Terminal.isInteractive()).build();
    try (ContainerProcess p = poc.runtime().exec(name, exec)) {
      return p.waitFor();
    }
  }
}
