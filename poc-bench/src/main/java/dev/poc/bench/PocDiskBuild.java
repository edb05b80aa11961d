package dev.poc.bench;

import java.nio.file.Path;
import java.util.Optional;

/**
 * poc's {@code build NAME disk-size SIZE}: the base imported once as a shared image, each disk an
 * overlay upper over it. Waits for the storage layer (ContainerRuntime.build and images()); until
 * it is merged the scenario reports poc's rows as pending.
 */
final class PocDiskBuild implements DiskBuild {
  PocDiskBuild(BenchEnv env) {
  }

  @Override
  public Optional<String> unavailable() {
    return Optional.of("poc's disk build (ContainerRuntime.build, images().importTarball) is not in this build yet");
  }

  @Override
  public void prepareBase(String baseName, Path baseTarball) {
    throw new UnsupportedOperationException("storage layer not merged");
  }

  @Override
  public void build(String name, String size, String baseName) {
    throw new UnsupportedOperationException("storage layer not merged");
  }

  @Override
  public void remove(String name) {
    throw new UnsupportedOperationException("storage layer not merged");
  }
}
