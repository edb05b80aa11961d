package dev.poc.cli;

import dev.poc.Image;
import dev.poc.image.PulledImage;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code images}: the images of the state root, pulled (by name) and built (by init, for disks). */
@Command(name = "images", description = "Lists the images of the state root: pulled ones (poc pull, --image) and built ones (poc init).",
    footer = {"", "Example:", "  sudo ./poc images"})
final class ImagesCommand implements Callable<Integer> {
  @ParentCommand
  private Poc poc;

  @Override
  public Integer call() {
    String format = "%-50s %-12s %6s %10s  %s%n";
    System.out.printf(format, "IMAGE", "ID", "LAYERS", "SIZE", "FROM");
    for (PulledImage i : poc.runtime().registryImages().list()) {
      System.out.printf(format, i.name(), i.configDigest().shortHex(), i.layers().size(), Words.size(i.size()), "pulled " + i.pulled());
    }
    for (Image i : poc.runtime().images().list()) {
      System.out.printf(format, i.name(), "-", "-", "-", i.kind().name().toLowerCase(java.util.Locale.ROOT) + " " + i.source());
    }
    return 0;
  }
}
