package dev.poc;

import java.nio.file.Path;
import org.immutables.value.Value;

/** A host directory or file made visible inside the container, like {@code docker run -v}. */
@Value.Immutable
public abstract class BindMount {
  /** The host path; it must exist when the container starts. */
  @Value.Parameter
  public abstract Path source();

  /** The absolute path inside the container; created if missing. */
  @Value.Parameter
  public abstract String destination();

  /** Whether the container may only read it (recursively). */
  @Value.Parameter
  public abstract boolean readOnly();

  /** A bind of {@code source} at {@code destination}. */
  public static BindMount of(Path source, String destination, boolean readOnly) {
    return ImmutableBindMount.of(source, destination, readOnly);
  }

  @Value.Check
  void check() {
    checkDestination("bind", destination());
  }

  /** The rules of a mount destination ({@code kind}: "bind", "tmpfs"): absolute, no "..", not under /proc, /sys, /dev. */
  static void checkDestination(String kind, String destination) {
    if (!destination.startsWith("/")) {
      throw new InvalidSpecException(
          kind + " destination '" + destination + "' is not absolute: write it as /" + destination);
    }
    for (String owned : new String[] {"/proc", "/sys", "/dev"}) {
      if (destination.equals(owned) || destination.startsWith(owned + "/")) {
        throw new InvalidSpecException(kind + " destination '" + destination + "' is under " + owned
            + ", which poc mounts itself over any " + kind + " there: " + kind + " it elsewhere, e.g. /mnt" + destination);
      }
    }
    for (String part : destination.split("/")) {
      if (part.equals("..")) {
        throw new InvalidSpecException(
            kind + " destination '" + destination + "' contains '..': give a plain absolute path");
      }
    }
  }
}
