package dev.poc.cli;

import dev.poc.image.RegistryImages;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code import FILE NAME}: stores the image of a docker save archive or an OCI layout as NAME. */
@Command(name = "import", description = {"Stores a docker save archive or an OCI image layout as NAME, as a pull would.",
    "A layout is a directory, or a tar of one. With several images inside, NAME's tag picks one."},
    footer = {"", "Example:", "  sudo ./poc import redis.tar redis:7 && sudo ./poc run --image redis:7 net-bridge cache"})
final class ImportCommand implements Callable<Integer> {
  @ParentCommand
  private Poc poc;

  @Parameters(index = "0", paramLabel = "FILE", description = "A docker save tar, or an OCI layout (directory or tar).")
  private Path file;

  @Parameters(index = "1", paramLabel = "NAME", description = "The name to store it as, e.g. redis:7.")
  private String name;

  @Override
  public Integer call() {
    RegistryImages.PullResult r = poc.runtime().registryImages().importArchive(file, name, line -> System.err.println("poc: " + line));
    System.out.println(r.image().name() + "@" + r.image().manifest());
    return 0;
  }
}
