package dev.poc.cli;

import picocli.CommandLine;

/** The example line of each command: its help footer's first line after "Example:". */
final class Examples {
  private Examples() {}

  static String of(CommandLine cmd) {
    String[] footer = cmd.getCommandSpec().usageMessage().footer();
    for (int i = 0; i < footer.length - 1; i++) {
      if (footer[i].trim().startsWith("Example")) {
        return footer[i + 1].trim();
      }
    }
    return "";
  }
}
