package dev.poc.host;

import java.nio.file.Path;

/**
 * Where poc keeps what is not under a state root: name locks, control sockets, the unpacked
 * helper. Root's are host-wide ({@code /run/poc}); an ordinary user's are that user's alone
 * ({@code $XDG_RUNTIME_DIR/poc-host}, else {@code ~/.local/share/poc-host}), so two users never
 * share a lock, a socket or a name, and neither can reach the other's.
 */
public final class HostDirs {
  private static final boolean ROOTLESS = Posix.geteuid() != 0;

  private HostDirs() {}

  /** Whether this JVM runs poc as an ordinary user (its effective uid is not 0). */
  public static boolean rootless() {
    return ROOTLESS;
  }

  /** Name locks, control sockets and the helper binary of this user. */
  public static Path hostState() {
    return ROOTLESS ? userBase("poc-host") : Path.of("/run/poc");
  }

  /** The state root when none is set: the seed's for root, the user's own otherwise. */
  public static Path defaultStateRoot() {
    return ROOTLESS ? userBase("poc") : Path.of("/var/lib/poc_container");
  }

  /** {@code $XDG_RUNTIME_DIR/NAME} (a per-user tmpfs, 0700), else {@code ~/.local/share/NAME}. */
  static Path userBase(String name) {
    String xdg = System.getenv("XDG_RUNTIME_DIR");
    if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
      return Path.of(xdg, name);
    }
    return Path.of(System.getProperty("user.home"), ".local", "share", name);
  }
}
