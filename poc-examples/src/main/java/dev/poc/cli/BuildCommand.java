package dev.poc.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code build NAME disk-size SIZE}: the container's own disk over the shared base image. */
@Command(name = "build", description = "Builds container NAME's disk (ext4 on a loop device, SIZE e.g. 20G) over the base image.",
    footer = {"", "Example:", "  sudo ./poc build test0 disk-size 20G"})
final class BuildCommand implements Callable<Integer> {
  static final String DISK_SIZE = "disk-size";

  @ParentCommand
  private Poc poc;

  @Spec
  private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NAME", description = "The container's name.")
  private String name;

  @Parameters(index = "1", paramLabel = "disk-size", description = "The word disk-size, as in the seed.")
  private String keyword;

  @Parameters(index = "2", paramLabel = "SIZE", description = "Disk size: K, M, G or T (binary units), e.g. 20G.")
  private String size;

  @Override
  public Integer call() {
    if (!DISK_SIZE.equals(keyword)) {
      throw Errors.usage(spec.commandLine(), "expected the word 'disk-size' after the name, not '" + keyword
          + "': write poc build " + name + " disk-size " + size);
    }
    throw Storage.notYet("poc build");
  }
}
