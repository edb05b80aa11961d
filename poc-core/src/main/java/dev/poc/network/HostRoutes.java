package dev.poc.network;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The host's default-route interface, read from the kernel's IPv4 routing table. */
final class HostRoutes {
  private static final Path ROUTES = Path.of("/proc/net/route");

  private HostRoutes() {}

  /** The interface of the default route with the lowest metric, if the host has one. */
  static Optional<String> defaultInterface() {
    try {
      return defaultInterface(Files.readAllLines(ROUTES));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** From the lines of /proc/net/route: Iface Destination Gateway Flags RefCnt Use Metric Mask ... */
  static Optional<String> defaultInterface(List<String> lines) {
    String best = null;
    long bestMetric = Long.MAX_VALUE;
    for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 8 || !f[1].equals("00000000") || !f[7].equals("00000000")) {
        continue;
      }
      int flags = Integer.parseInt(f[3], 16);
      long metric = Long.parseLong(f[6]);
      if ((flags & 1) != 0 && metric < bestMetric) { // RTF_UP
        best = f[0];
        bestMetric = metric;
      }
    }
    return Optional.ofNullable(best);
  }
}
