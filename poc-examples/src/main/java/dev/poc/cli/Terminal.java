package dev.poc.cli;

import java.io.FileDescriptor;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

/** Whether the CLI talks to a person: stdin and stdout both terminals, as {@code docker run -it} assumes. */
final class Terminal {
  private static final POSIX POSIX = POSIXFactory.getNativePOSIX();

  private Terminal() {}

  static boolean isInteractive() {
    return POSIX.isatty(FileDescriptor.in) && POSIX.isatty(FileDescriptor.out);
  }

  static boolean stderrIsTerminal() {
    return POSIX.isatty(FileDescriptor.err);
  }
}
