package dev.poc.cli;

import dev.poc.ContainerRuntime;
import dev.poc.PocSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The poc command line: the seed's grammar ({@code init}, {@code build NAME disk-size SIZE},
 * {@code run MODE NAME CMD}, {@code rm}, {@code prune}, {@code help}) and what users expect beside
 * it ({@code ps}, {@code exec}, {@code stop}, {@code stats}, {@code info}). Exit status: the command's own for
 * {@code run} and {@code exec}, 2 for a usage error, 125 for an error of poc's.
 */
@Command(name = "poc", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT, versionProvider = VersionInfo.class,
    description = "Runs isolated Linux processes (namespaces, cgroups, a root filesystem of their own), no daemon.",
    subcommands = {InitCommand.class, BuildCommand.class, RunCommand.class, ExecCommand.class, PsCommand.class,
        LogsCommand.class, CpCommand.class, StopCommand.class, StatsCommand.class, RmCommand.class, PullCommand.class,
        ImportCommand.class, ImagesCommand.class, RmiCommand.class, PruneCommand.class, InfoCommand.class, NetworkCommand.class,
        CommandLine.HelpCommand.class},
    footer = {"", "State lives in --state-root, else $POC_STATE_ROOT, else /var/lib/poc_container (root), or"
        + " $XDG_RUNTIME_DIR/poc, else ~/.local/share/poc (any other user: rootless).",
        "Networks: bridge pocbr0 10.100.0.0/16, net-default 10.200.0.0/16, iptables chains POC-*, unless",
        "  $POC_BRIDGE, $POC_BRIDGE_SUBNET, $POC_DEFAULT_SUBNET, $POC_CHAIN_PREFIX say otherwise.",
        "Exit status: the command's own for run and exec; 2 for a usage error; 125 for an error of poc's.",
        "", "Quick start:",
        "  sudo ./poc run --host-rootfs net-disabled test0 bash",
        "  sudo ./poc info                 # what works on this host, and the fix for what does not",
        "  sudo ./poc init && sudo ./poc build test0 disk-size 20G && sudo ./poc run net-disabled test0 bash"})
public final class Poc implements AutoCloseable {
  /** Usage errors: what picocli returns, and what we return for a wrong word. */
  static final int USAGE = 2;
  /** An error of poc's own (not of the command in the container), as Docker does. */
  static final int POC_ERROR = 125;

  private Path stateRoot;
  private ContainerRuntime runtime;

  @Option(names = "--state-root", paramLabel = "DIR", scope = ScopeType.INHERIT,
      description = "Where containers, disks and images are kept (default: $POC_STATE_ROOT, else /var/lib/poc_container; rootless: $XDG_RUNTIME_DIR/poc or ~/.local/share/poc).")
  void stateRoot(Path dir) {
    this.stateRoot = dir;
  }

  /** The state root: the option, else -Dpoc.stateRoot, else $POC_STATE_ROOT, else the seed's directory. */
  Path stateRoot() {
    return QuickCommands.stateRoot(stateRoot);
  }

  /** The runtime on the state root, opened on first use (opening reclaims what crashed runs left). */
  ContainerRuntime runtime() {
    if (runtime == null) {
      runtime = QuickCommands.open(stateRoot());
    }
    return runtime;
  }

  @Override
  public void close() {
    if (runtime != null) {
      runtime.close();
    }
  }

  /** Runs the CLI and returns its exit status. */
  public static int run(String... args) {
    try (Poc poc = new Poc()) {
      CommandLine cli = new CommandLine(poc);
      cli.setParameterExceptionHandler(new Errors.Usage());
      cli.setExecutionExceptionHandler(new Errors.Failure());
      cli.setCaseInsensitiveEnumValuesAllowed(true);
      cli.setUsageHelpWidth(100);
      addExamples(cli);
      if (args.length == 0) {
        cli.usage(System.err);
        return USAGE;
      }
      return cli.execute(args);
    }
  }

  /** The top-level help ends with one example per command, each taken from that command's own help. */
  private static void addExamples(CommandLine cli) {
    List<String> footer = new ArrayList<>(List.of(cli.getCommandSpec().usageMessage().footer()));
    footer.add("");
    footer.add("Examples:");
    for (CommandLine sub : cli.getSubcommands().values()) {
      String example = Examples.of(sub);
      footer.add("  " + (example.isEmpty() ? "sudo ./poc help run" : example));
    }
    cli.getCommandSpec().usageMessage().footer(footer.toArray(new String[0]));
  }

  /** As {@link Main#main}: the quick path for the hot commands, this class for the rest. */
  public static void main(String[] args) {
    Main.main(args);
  }
}
