package dev.poc.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resident memory of one process from /proc/PID/smaps_rollup: RSS counts every page it maps in
 * memory; PSS divides shared pages among their sharers, so PSS is what one more such process costs.
 */
record ProcessMemory(long rssBytes, long pssBytes) {

  static ProcessMemory of(long pid) throws IOException {
    return parse(Files.readString(Path.of("/proc", Long.toString(pid), "smaps_rollup")));
  }

  static ProcessMemory parse(String smapsRollup) {
    long rss = -1;
    long pss = -1;
    for (String line : smapsRollup.split("\n")) {
      if (line.startsWith("Rss:")) {
        rss = kib(line);
      } else if (line.startsWith("Pss:")) {
        pss = kib(line);
      }
    }
    if (rss < 0 || pss < 0) {
      throw new IllegalArgumentException("no Rss:/Pss: lines in smaps_rollup: " + smapsRollup.lines().limit(3).toList());
    }
    return new ProcessMemory(rss, pss);
  }

  ProcessMemory plus(ProcessMemory other) {
    return new ProcessMemory(rssBytes + other.rssBytes, pssBytes + other.pssBytes);
  }

  private static long kib(String line) {
    String[] f = line.trim().split("\\s+");
    return Long.parseLong(f[1]) * 1024;
  }
}
