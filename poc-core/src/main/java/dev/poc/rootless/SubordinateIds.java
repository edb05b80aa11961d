package dev.poc.rootless;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** A user's range in {@code /etc/subuid} or {@code /etc/subgid} ("NAME-OR-ID:START:COUNT" lines). */
record SubordinateIds(long start, long count) {

  /** The first range of {@code user} (by name or id) in {@code file}; empty when none or unreadable. */
  static Optional<SubordinateIds> of(Path file, String userName, int id) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      return Optional.empty();
    }
    return parse(text, userName, id);
  }

  static Optional<SubordinateIds> parse(String text, String userName, int id) {
    for (String line : text.split("\n")) {
      String[] f = line.trim().split(":");
      if (f.length != 3 || !(f[0].equals(userName) || f[0].equals(Integer.toString(id)))) {
        continue;
      }
      try {
        long start = Long.parseLong(f[1]);
        long count = Long.parseLong(f[2]);
        if (start > 0 && count > 0) {
          return Optional.of(new SubordinateIds(start, count));
        }
      } catch (NumberFormatException e) {
        // a malformed line is not this user's range
      }
    }
    return Optional.empty();
  }
}
