package dev.poc.oci;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The processes of a container, read from its init's cgroup (the pids controller on v1, the
 * unified group on v2): what {@code kill --all} signals. A process of the container cannot leave
 * its group, so the group is the container.
 */
final class ContainerProcesses {
  private ContainerProcesses() {}

  static List<Integer> of(int initPid) throws IOException {
    Path procs = null;
    for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(initPid), "cgroup"))) {
      String[] f = line.split(":", 3);
      if (f.length == 3 && List.of(f[1].split(",")).contains("pids")) {
        procs = Path.of("/sys/fs/cgroup/pids" + f[2], "cgroup.procs");
      } else if (f.length == 3 && f[0].equals("0") && f[1].isEmpty() && procs == null) {
        procs = Path.of("/sys/fs/cgroup" + f[2], "cgroup.procs");
      }
    }
    List<Integer> pids = new ArrayList<>();
    if (procs == null) {
      return pids;
    }
    try {
      for (String p : Files.readAllLines(procs)) {
        if (!p.isBlank()) {
          pids.add(Integer.parseInt(p.trim()));
        }
      }
    } catch (NoSuchFileException e) {
      // the group is gone with the container
    }
    return pids;
  }
}
