package dev.poc.junit;

import dev.poc.ContainerRuntime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;

/** The runtime of containers started outside a {@link PocTest} class: one per JVM, on a temporary state root. */
final class StandaloneRuntime {
  private static ContainerRuntime runtime;

  private StandaloneRuntime() {}

  static synchronized ContainerRuntime get() {
    if (runtime == null) {
      try {
        runtime = ContainerRuntime.open(Files.createTempDirectory("poc-junit-"));
      } catch (IOException e) {
        throw new UncheckedIOException("creating a state root for poc containers in " + System.getProperty("java.io.tmpdir"), e);
      }
    }
    return runtime;
  }
}
