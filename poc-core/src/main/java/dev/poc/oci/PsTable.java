package dev.poc.oci;

import dev.poc.InvalidSpecException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code ps}'s table, as runc prints it: the host's {@code ps} with the given options (ps -ef by
 * default), its header, and its lines whose PID column is one of the container's processes.
 */
final class PsTable {
  private PsTable() {}

  static String filter(List<String> psOptions, List<Integer> pids) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add("ps");
    cmd.addAll(psOptions);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (p.waitFor() != 0) {
        throw new InvalidSpecException("ps " + String.join(" ", psOptions) + " failed: " + out.trim());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while ps ran", e);
    }
    String[] lines = out.split("\n");
    int column = List.of(lines[0].trim().split("\\s+")).indexOf("PID");
    if (column < 0) {
      throw new InvalidSpecException("ps " + String.join(" ", psOptions) + " printed no PID column: give options "
          + "that keep it (e.g. -ef)");
    }
    Set<String> wanted = new java.util.HashSet<>();
    pids.forEach(pid -> wanted.add(Integer.toString(pid)));
    StringBuilder table = new StringBuilder(lines[0]).append('\n');
    for (int i = 1; i < lines.length; i++) {
      String[] f = lines[i].trim().split("\\s+");
      if (f.length > column && wanted.contains(f[column])) {
        table.append(lines[i]).append('\n');
      }
    }
    return table.toString();
  }
}
