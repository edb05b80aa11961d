package dev.poc;

import java.time.Instant;
import org.immutables.value.Value;

/**
 * A base image: a root filesystem tree under the state root that containers' disks lay their
 * writes over. Read-only once made; list and make them through {@link Images}.
 */
@Value.Immutable
public abstract class Image {

  /** How an image was made. */
  public enum Kind {
    /** Built from a Dockerfile by a Docker daemon, then exported. */
    DOCKER,
    /** Bootstrapped from a Debian mirror by debootstrap. */
    DEBOOTSTRAP,
    /** Unpacked from a root filesystem tarball. */
    TARBALL,
    /** The host's own programs, read-only, as {@link Rootfs#host()} shows them. */
    HOST
  }

  /** The image's name, e.g. {@code default}. */
  public abstract String name();

  /** How it was made. */
  public abstract Kind kind();

  /** Where it came from, in words (a Dockerfile's directory, a mirror, a tarball's path). */
  public abstract String source();

  /** When it was made. */
  public abstract Instant created();

  @Override
  public String toString() {
    return name() + " (" + kind().name().toLowerCase(java.util.Locale.ROOT) + ", " + source() + ")";
  }

  /** A builder, for the image store that records what it made. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link Image} values; the setters are generated. */
  public static class Builder extends ImmutableImage.Builder {}
}
