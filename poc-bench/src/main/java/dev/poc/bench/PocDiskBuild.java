package dev.poc.bench;

import dev.poc.ContainerRuntime;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * poc's {@code build NAME disk-size SIZE}: the base imported once as a shared image (untimed, but
 * its time kept for the report), each disk a sparse ext4 image over it.
 */
final class PocDiskBuild implements DiskBuild {
  private final ContainerRuntime runtime;
  private final Names names;
  private final Map<String, String> images = new HashMap<>();
  private final Map<String, Long> importNanos = new LinkedHashMap<>();

  PocDiskBuild(BenchEnv env) {
    this.runtime = env.poc;
    this.names = env.names;
  }

  @Override
  public Optional<String> unavailable() {
    return Optional.empty();
  }

  @Override
  public void prepareBase(String baseName, Path baseTarball) {
    String image = names.next();
    long t0 = System.nanoTime();
    runtime.images().importTarball(image, baseTarball);
    importNanos.put(baseName, System.nanoTime() - t0);
    images.put(baseName, image);
  }

  /** How long importing each base took, once. */
  Map<String, Long> importNanos() {
    return importNanos;
  }

  @Override
  public void build(String name, String size, String baseName) {
    runtime.build(name, size, images.get(baseName));
  }

  @Override
  public void remove(String name) {
    runtime.remove(name, false);
  }
}
