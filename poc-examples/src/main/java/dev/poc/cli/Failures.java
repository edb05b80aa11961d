package dev.poc.cli;

import dev.poc.PocException;
import java.io.PrintWriter;

/** The one line an error of poc's (exit 125) prints, for picocli's handler and the quick path alike. */
final class Failures {
  private Failures() {}

  static int report(String command, Exception ex, PrintWriter err) {
    if (ex instanceof PocException) {
      err.println("poc: " + ex.getMessage());
    } else {
      err.println("poc: " + command + " failed: " + ex
          + " (run again with POC_DEBUG=1 for details, and report it if it persists)");
    }
    if ("1".equals(System.getenv("POC_DEBUG"))) {
      ex.printStackTrace(err);
    }
    err.flush();
    if (ex instanceof dev.poc.CommandNotFoundException notFound) {
      return notFound.exitCode(); // 127 or 126, as a shell and Docker say it
    }
    return Poc.POC_ERROR;
  }
}
