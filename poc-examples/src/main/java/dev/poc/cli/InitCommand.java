package dev.poc.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code init}: builds the shared base image that disks are layered on. */
@Command(name = "init", description = "Prepares the shared base image that every container's disk is layered on.",
    footer = {"", "Example:", "  sudo ./poc init"})
final class InitCommand implements Callable<Integer> {
  @ParentCommand
  private Poc poc;

  @Override
  public Integer call() {
    throw Storage.notYet("poc init");
  }
}
