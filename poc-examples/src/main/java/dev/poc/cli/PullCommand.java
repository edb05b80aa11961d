package dev.poc.cli;

import dev.poc.image.RegistryImages;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code pull IMAGE...}: fetches images from their registries (or mirrors) into the state root. */
@Command(name = "pull", description = {"Pulls images from their registries into the state root, no daemon: each layer once, verified.",
    "Mirrors and plain-HTTP registries: $POC_REGISTRY_MIRRORS (docker.io=http://127.0.0.1:5000;REG=URL,...),",
    "$POC_INSECURE_REGISTRIES (host:port,...), $POC_REGISTRY_MIRRORS_ONLY=true; credentials: ~/.docker/config.json."},
    footer = {"", "Example:", "  sudo ./poc pull busybox:1.36"})
final class PullCommand implements Callable<Integer> {
  @ParentCommand
  private Poc poc;

  @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "[registry/]name[:tag|@digest], e.g. redis:7.")
  private List<String> names;

  @Override
  public Integer call() {
    for (String name : names) {
      RegistryImages.PullResult r = poc.runtime().registryImages().pull(name, line -> System.err.println("poc: " + line));
      System.out.println(r.image().name() + "@" + r.image().manifest());
    }
    return 0;
  }
}
