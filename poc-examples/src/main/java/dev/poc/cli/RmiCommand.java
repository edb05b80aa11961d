package dev.poc.cli;

import dev.poc.image.RegistryImages;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code rmi IMAGE...}: forgets pulled images and removes the layers no other image or running container uses. */
@Command(name = "rmi", description = "Removes pulled images, and the layers that no other image and no running container uses.",
    footer = {"", "Example:", "  sudo ./poc rmi busybox:1.36"})
final class RmiCommand implements Callable<Integer> {
  @ParentCommand
  private Poc poc;

  @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Images as pulled, e.g. busybox:1.36.")
  private List<String> names;

  @Override
  public Integer call() {
    for (String name : names) {
      RegistryImages.SweepResult r = poc.runtime().registryImages().remove(name);
      System.out.println(name + " (" + r.layersRemoved() + " layers, " + Words.size(r.bytesFreed()) + " freed)");
    }
    return 0;
  }
}
