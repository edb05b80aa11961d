package dev.poc.cli;

import dev.poc.Image;
import dev.poc.Images;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code init}: makes the shared base image that disks are layered on. */
@Command(name = "init", sortOptions = false,
    description = {"Makes the shared base image ('default') that every container's disk is layered on.",
        "From poc's Dockerfile when a Docker daemon runs, else Debian by debootstrap, else the host's programs;",
        "it says what it downloads and from where before it starts."},
    footer = {"", "Example:", "  sudo ./poc init", "  sudo ./poc init --tarball alpine-minirootfs.tar.gz --image alpine"})
final class InitCommand implements Callable<Integer> {
  @ParentCommand
  private Poc poc;

  @ArgGroup(exclusive = true)
  private Source source;

  static final class Source {
    @Option(names = "--host", description = "Make it of the host's programs, read-only (fast, nothing downloaded).")
    boolean host;

    @Option(names = "--tarball", paramLabel = "FILE", description = "Unpack a root filesystem tarball (plain, gz or xz).")
    Path tarball;
  }

  @Option(names = "--image", paramLabel = "NAME", description = "The image's name (default: ${DEFAULT-VALUE}).")
  private String image = Images.DEFAULT;

  @Override
  public Integer call() {
    Images images = poc.runtime().images();
    Image made;
    try (ProgressLine progress = new ProgressLine("init")) {
      if (source != null && source.host) {
        made = images.host(image);
      } else if (source != null && source.tarball != null) {
        made = images.importTarball(image, source.tarball, progress);
      } else if (!image.equals(Images.DEFAULT)) {
        made = images.debootstrap(image, progress);
      } else {
        made = images.init(progress);
      }
      progress.close();
      System.out.println("image '" + made.name() + "' ready (" + made.kind().name().toLowerCase() + ": " + made.source()
          + ") in " + progress.seconds() + " s; next: poc build NAME disk-size 20G");
    }
    return 0;
  }
}
