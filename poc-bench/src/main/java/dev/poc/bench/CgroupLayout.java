package dev.poc.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the host's cgroup mounts look like: v1 controllers with a cgroup2 beside them is "hybrid". */
final class CgroupLayout {
  static final String UNIFIED = "/sys/fs/cgroup/unified";

  private CgroupLayout() {}

  static boolean isHybrid() throws IOException {
    boolean v2AtUnified = false;
    boolean v1 = false;
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] f = line.split(" ");
      int dash = line.indexOf(" - ");
      String fsType = dash < 0 ? "" : line.substring(dash + 3).split(" ")[0];
      if (fsType.equals("cgroup2") && f[4].equals(UNIFIED)) {
        v2AtUnified = true;
      } else if (fsType.equals("cgroup")) {
        v1 = true;
      }
    }
    return v2AtUnified && v1;
  }
}
