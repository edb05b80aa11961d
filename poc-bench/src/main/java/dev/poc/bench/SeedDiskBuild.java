package dev.poc.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The seed's {@code build NAME disk-size SIZE}: fallocate an image of the full size, mkfs.ext4 it,
 * loop-mount it and unpack the whole base into it (then unmount, as the seed's build ended).
 */
final class SeedDiskBuild implements DiskBuild {
  private final Path dir;
  private final Map<String, Path> bases = new HashMap<>();

  SeedDiskBuild(Path dir) {
    this.dir = dir;
  }

  @Override
  public Optional<String> unavailable() {
    for (String tool : List.of("fallocate", "mkfs.ext4", "mount", "tar")) {
      if (!HostCommand.exists(tool)) {
        return Optional.of(tool + " is not installed");
      }
    }
    return Files.exists(Path.of("/dev/loop-control")) ? Optional.empty() : Optional.of("no loop devices (/dev/loop-control)");
  }

  @Override
  public void prepareBase(String baseName, Path baseTarball) {
    bases.put(baseName, baseTarball);
  }

  @Override
  public void build(String name, String size, String baseName) throws Exception {
    Path img = Files.createDirectories(dir).resolve(name + ".img");
    Path mnt = Files.createDirectories(dir.resolve(name + ".mnt"));
    HostCommand.output(List.of("fallocate", "-l", size, img.toString()));
    HostCommand.output(List.of("mkfs.ext4", "-q", "-F", img.toString()));
    HostCommand.output(List.of("mount", "-o", "loop", img.toString(), mnt.toString()));
    try {
      HostCommand.output(List.of("tar", "-xf", bases.get(baseName).toString(), "-C", mnt.toString()));
    } finally {
      HostCommand.output(List.of("umount", mnt.toString()));
    }
  }

  @Override
  public void remove(String name) throws Exception {
    Files.deleteIfExists(dir.resolve(name + ".img"));
    Files.deleteIfExists(dir.resolve(name + ".mnt"));
  }
}
