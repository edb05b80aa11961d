package dev.poc.bench;

import java.nio.file.Path;
import java.util.Optional;

/** One way of making a container's persistent disk from a base, timed alike for the seed and poc. */
interface DiskBuild {
  /** Empty when this way can run here; else why not (the scenario says so instead of its rows). */
  Optional<String> unavailable();

  /** Prepares {@code base} once per run, untimed (poc imports it; the seed unpacks it per disk). */
  void prepareBase(String baseName, Path baseTarball) throws Exception;

  /** Makes disk {@code name} of {@code size} (e.g. "20G") from the base: the timed part. */
  void build(String name, String size, String baseName) throws Exception;

  /** Removes the disk again, untimed. */
  void remove(String name) throws Exception;
}
