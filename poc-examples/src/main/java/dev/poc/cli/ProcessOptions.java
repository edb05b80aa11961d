package dev.poc.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The options {@code run} and {@code exec} share, declared once: what the command inside gets. */
final class ProcessOptions {
  @Option(names = {"-e", "--env"}, paramLabel = "K=V", description = "Set an environment variable.")
  private List<String> env = new ArrayList<>();

  @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "Working directory inside (default /).")
  private String workdir;

  @Option(names = {"-u", "--user"}, paramLabel = "UID[:GID]", description = "Run as this user (default 0:0).")
  private String user;

  @Option(names = {"-T", "--no-tty"}, description = "Plain pipes even on a terminal.")
  private boolean noTty;

  /** The variables given with -e; a malformed one is a usage error. */
  Map<String, String> env(CommandLine cmd) {
    return Words.env(cmd, env);
  }

  /** The working directory given with -w, or null. */
  String workdir() {
    return workdir;
  }

  /** {uid, gid} given with -u, or null. */
  int[] user(CommandLine cmd) {
    return user == null ? null : Words.user(cmd, user);
  }

  /** Whether the command gets a terminal: on one, unless -T. */
  boolean tty() {
    return !noTty && Terminal.isInteractive();
  }
}
