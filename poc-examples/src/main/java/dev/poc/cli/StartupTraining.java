package dev.poc.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * What the launcher ({@code ./poc}) runs once per build of the jar, in the background, to record the
 * JVM's start-up cache (an AOT cache on Java 25, a CDS archive on 17): the hot commands as a user
 * types them — a net-disabled {@code run} of {@code true} on the host's programs and a {@code ps} —
 * in a state root of its own that it removes afterwards. Hidden: {@code poc __startup-training NAME}.
 */
final class StartupTraining {
  static final String VERB = "__startup-training";

  private StartupTraining() {}

  static int run(String name) throws IOException {
    Path stateRoot = Files.createTempDirectory("poc-startup-training-");
    try {
      String root = stateRoot.toString();
      int run = QuickCommands.run(new String[] {"--state-root", root, "run", "--host-rootfs", "-T", "net-disabled", name, "true"})
          .orElse(Poc.USAGE);
      int ps = QuickCommands.run(new String[] {"--state-root", root, "ps", "-q"}).orElse(Poc.USAGE);
      return run != 0 ? run : ps;
    } finally {
      try (Stream<Path> all = Files.walk(stateRoot)) {
        for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
