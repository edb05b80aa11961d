package dev.poc.junit;

import dev.poc.ContainerRuntime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;

/**
 * The runtime of containers started outside a {@link PocTest} class: one per JVM, on a temporary
 * state root and a {@link TestNetwork} of its own, whose bridge and chains go when the JVM exits.
 */
final class StandaloneRuntime {
  private static ContainerRuntime runtime;

  private StandaloneRuntime() {}

  static synchronized ContainerRuntime get() {
    if (runtime == null) {
      TestNetwork network = TestNetwork.reserve();
      try {
        runtime = ContainerRuntime.builder().stateRoot(Files.createTempDirectory("poc-junit-"))
            .network(network.settings()).build();
      } catch (IOException e) {
        network.close();
        throw new UncheckedIOException("creating a state root for poc containers in " + System.getProperty("java.io.tmpdir"), e);
      }
      ContainerRuntime opened = runtime;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        opened.close();
        opened.pruneNetwork();
        network.close();
      }, "poc-junit-standalone"));
    }
    return runtime;
  }
}
