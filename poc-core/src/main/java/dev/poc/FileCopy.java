package dev.poc;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A file put into a container before its command starts (Testcontainers' withCopyToContainer):
 * a host file, directory (with its modes; symlinks in it stay symlinks) or symlink, or bytes with
 * a mode. The destination is resolved inside the container's root, as the container sees it: a
 * symlink in the image never leads the copy out onto the host.
 */
public final class FileCopy {
  private final Path source;
  private final byte[] content;
  private final int mode;
  private final String destination;

  private FileCopy(Path source, byte[] content, int mode, String destination) {
    if (!destination.startsWith("/")) {
      throw new InvalidSpecException("copy destination '" + destination + "' is not absolute: write it as /" + destination);
    }
    this.source = source;
    this.content = content;
    this.mode = mode;
    this.destination = destination;
  }

  /** Host file, directory or symlink {@code source} to {@code destination} inside. */
  public static FileCopy of(Path source, String destination) {
    if (!Files.exists(source, LinkOption.NOFOLLOW_LINKS)) {
      throw new InvalidSpecException("copy source " + source + " does not exist: create it or fix the path");
    }
    return new FileCopy(source.toAbsolutePath(), null, 0, destination);
  }

  /** {@code content} as the file {@code destination} inside, with {@code mode} (e.g. 0644). */
  public static FileCopy of(byte[] content, int mode, String destination) {
    if ((mode & ~07777) != 0) {
      throw new InvalidSpecException("mode " + Integer.toOctalString(mode) + " of copy to " + destination
          + " is not a file mode: give e.g. 0644");
    }
    return new FileCopy(null, content.clone(), mode, destination);
  }

  /** The host path copied, when it is one. */
  public Optional<Path> source() {
    return Optional.ofNullable(source);
  }

  /** The bytes copied, when they are given as bytes. */
  public Optional<byte[]> content() {
    return Optional.ofNullable(content).map(byte[]::clone);
  }

  /** The mode of bytes copied. */
  public int mode() {
    return mode;
  }

  /** Where it goes inside the container. */
  public String destination() {
    return destination;
  }

  @Override
  public String toString() {
    return (source != null ? source.toString() : content.length + " bytes") + " -> " + destination;
  }
}
