package dev.poc.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The repository's README as tests read it: the command lines of a section's first code block. */
final class Readme {
  private Readme() {}

  /** The repository root (the tests run in poc-examples). */
  static Path root() {
    return Path.of(System.getProperty("poc.launcher", "../poc")).toAbsolutePath().normalize().getParent();
  }

  /**
   * The lines of the first {@code ```bash} block after the heading {@code ## section}, without
   * their trailing {@code # comments}.
   */
  static List<String> commands(String section) throws IOException {
    List<String> lines = Files.readAllLines(root().resolve("README.md"));
    int heading = lines.indexOf("## " + section);
    if (heading < 0) {
      throw new AssertionError("README.md has no section '## " + section + "'");
    }
    int start = heading + 1;
    while (start < lines.size() && !lines.get(start).startsWith("```")) {
      start++;
    }
    List<String> commands = new ArrayList<>();
    for (int i = start + 1; i < lines.size() && !lines.get(i).startsWith("```"); i++) {
      String line = lines.get(i).replaceAll("\\s+#\\s.*$", "").trim();
      if (!line.isEmpty()) {
        commands.add(line);
      }
    }
    if (commands.isEmpty()) {
      throw new AssertionError("README.md's section '## " + section + "' has no command in a code block");
    }
    return commands;
  }
}
