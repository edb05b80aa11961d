package dev.poc.cli;

import dev.poc.NetworkInfo;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code network create|ls|rm}: the state root's named networks. */
@Command(name = "network", description = {"Manages named networks, each a bridge and subnet of its own.",
    "Containers on one reach each other by name and --alias, and nothing on another named network."},
    subcommands = {NetworkCommand.Create.class, NetworkCommand.Ls.class, NetworkCommand.Rm.class},
    footer = {"", "Example:", "  sudo ./poc network create app",
        "  sudo ./poc run -d --host-rootfs --network app --alias db store sleep 1000",
        "  sudo ./poc run --host-rootfs --network app client ping -c 1 db",
        "  sudo ./poc network rm app"})
final class NetworkCommand implements Callable<Integer> {
  @ParentCommand
  Poc poc;

  @picocli.CommandLine.Spec
  private picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    throw Errors.usage(spec.commandLine(), "poc network needs a subcommand: create NAME, ls or rm NAME");
  }

  @Command(name = "create", description = "Creates a named network.")
  static final class Create implements Callable<Integer> {
    @ParentCommand
    private NetworkCommand parent;

    @Parameters(paramLabel = "NAME", description = "The network's name: letters, digits, '-' and '_'.")
    private String name;

    @Override
    public Integer call() {
      NetworkInfo n = parent.poc.runtime().createNetwork(name);
      System.out.println(n.name());
      return 0;
    }
  }

  @Command(name = "ls", description = "Lists the named networks: name, subnet, bridge, containers.")
  static final class Ls implements Callable<Integer> {
    @ParentCommand
    private NetworkCommand parent;

    @Override
    public Integer call() {
      List<NetworkInfo> all = parent.poc.runtime().networks();
      System.out.printf("%-20s %-16s %-8s %s%n", "NAME", "SUBNET", "BRIDGE", "CONTAINERS");
      for (NetworkInfo n : all) {
        System.out.printf("%-20s %-16s %-8s %s%n", n.name(), n.subnet(), n.bridge(), String.join(",", n.containers()));
      }
      return 0;
    }
  }

  @Command(name = "rm", description = "Removes named networks (their bridge and rules); one with containers on it stays.")
  static final class Rm implements Callable<Integer> {
    @ParentCommand
    private NetworkCommand parent;

    @Parameters(arity = "1..*", paramLabel = "NAME", description = "Networks to remove.")
    private List<String> names;

    @Override
    public Integer call() {
      for (String name : names) {
        parent.poc.runtime().removeNetwork(name);
        System.out.println(name);
      }
      return 0;
    }
  }
}
