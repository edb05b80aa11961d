package dev.poc.cli;

import dev.poc.ContainerInfo;
import dev.poc.Images;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code build NAME disk-size SIZE}: the container's own disk over the shared base image. */
@Command(name = "build", description = "Builds container NAME's disk (sparse ext4 on a loop device, SIZE e.g. 20G) over the base image.",
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

  @Option(names = "--image", paramLabel = "NAME",
      description = "The base image (default: ${DEFAULT-VALUE}; see init), or a registry image with a tag (redis:7), pulled when missing.")
  private String image = Images.DEFAULT;

  @Override
  public Integer call() {
    if (!DISK_SIZE.equals(keyword)) {
      throw Errors.usage(spec.commandLine(), "expected the word 'disk-size' after the name, not '" + keyword
          + "': write poc build " + name + " disk-size " + size);
    }
    ContainerInfo built;
    try (ProgressLine progress = new ProgressLine("build " + name)) {
      progress.step("a " + size + " disk over image '" + image + "'");
      built = poc.runtime().build(name, size, image);
      progress.close();
      System.out.println("built '" + built.name() + "': " + built.diskSize() + " disk over image '" + built.image()
          + "' in " + progress.seconds() + " s; run it: poc run net-disabled " + name + " bash");
    }
    return 0;
  }
}
