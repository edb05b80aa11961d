package dev.poc.cli;

import java.util.OptionalInt;

/**
 * The CLI's entry. The commands people time — {@code poc run [--host-rootfs|--rootfs DIR] [-T]
 * MODE NAME CMD...} and {@code poc ps [-q]} — run through {@link QuickCommands} without building
 * picocli's model of every command (half the CLI's start-up); everything else, and any form of
 * those the quick path does not know, goes to {@link Poc}, which owns the grammar, the help and the
 * usage errors.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    if ("1".equals(System.getenv("POC_DEBUG"))) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "debug");
    }
    if (args.length == 2 && args[0].equals(StartupTraining.VERB)) {
      try {
        System.exit(StartupTraining.run(args[1]));
      } catch (java.io.IOException e) {
        System.err.println("poc: start-up training failed: " + e);
        System.exit(Poc.POC_ERROR);
      }
    }
    OptionalInt quick = QuickCommands.run(args);
    System.exit(quick.isPresent() ? quick.getAsInt() : Poc.run(args));
  }
}
