package dev.poc.storage;

import dev.poc.InvalidSpecException;
import dev.poc.spi.RootfsStrategy;
import dev.poc.spi.Attachment;
import dev.poc.spi.StartContext;
import java.nio.file.Files;
import java.nio.file.Path;

/** A prepared directory tree used as the root, bound onto itself and pivoted into. */
public final class DirectoryRootfs implements RootfsStrategy {
  private final Path path;

  public DirectoryRootfs(Path path) {
    this.path = path;
  }

  public Path path() {
    return path;
  }

  @Override
  public Attachment prepare(StartContext ctx) {
    if (!Files.exists(path)) {
      throw new InvalidSpecException(
          "rootfs " + path + " does not exist: unpack an image there, or use Rootfs.host()");
    }
    if (!Files.isDirectory(path)) {
      throw new InvalidSpecException("rootfs " + path + " is not a directory: give the directory of an unpacked image");
    }
    ctx.plan().rootBind(path, path, "nodev");
    return Attachment.none();
  }

  @Override
  public String toString() {
    return "directory " + path;
  }
}
