package dev.poc.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether the CLI talks to a person: stdin and stdout both terminals, as {@code docker run -it}
 * assumes. Read from where /proc says the descriptors lead (a pseudo-terminal, a console), not
 * through a native binding, which would cost the CLI's start more than the rest of this class.
 */
final class Terminal {
  private Terminal() {}

  static boolean isInteractive() {
    return isTerminal(0) && isTerminal(1);
  }

  static boolean stderrIsTerminal() {
    return isTerminal(2);
  }

  private static boolean isTerminal(int fd) {
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
    } catch (IOException | UnsupportedOperationException e) {
      return false; // closed, or no /proc: not a person
    }
  }
}
