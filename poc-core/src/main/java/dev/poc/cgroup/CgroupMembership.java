package dev.poc.cgroup;

import dev.poc.NotFoundException;
import dev.poc.host.Mounts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which cgroups a process is in, as host paths: what an exec must join to be counted and limited
 * with the container. Read from /proc/PID/cgroup and this process's mountinfo, for cgroup v1,
 * v2 and the hybrid of both.
 */
public final class CgroupMembership {
  private CgroupMembership() {}

  /** The cgroup.procs files of the groups {@code pid} is in and this process is not. */
  public static List<Path> toJoin(int pid) {
    try {
      return toJoin(Files.readAllLines(Path.of("/proc/" + pid + "/cgroup")),
          Files.readAllLines(Path.of("/proc/self/cgroup")), Files.readAllLines(Path.of("/proc/self/mountinfo")));
    } catch (IOException e) {
      throw new NotFoundException("reading the cgroups of process " + pid + ": " + e.getMessage()
          + ": the container has ended; see `poc ps`");
    }
  }

  /**
   * The host directory of each group {@code pid} is in, by its hierarchy's controllers ("" for the
   * unified one, "cpu,cpuacct", "freezer", ...); hierarchies this process cannot see are left out.
   */
  public static Map<String, Path> dirs(int pid) throws IOException {
    List<String> mountinfo = Files.readAllLines(Path.of("/proc/self/mountinfo"));
    Map<String, Path> dirs = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : byControllers(Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))).entrySet()) {
      Path dir = hostDir(e.getKey(), e.getValue(), mountinfo);
      if (dir != null) {
        dirs.put(e.getKey(), dir);
      }
    }
    return dirs;
  }

  public static List<Path> toJoin(List<String> target, List<String> self, List<String> mountinfo) {
    Map<String, String> ours = byControllers(self);
    List<Path> files = new ArrayList<>();
    for (Map.Entry<String, String> e : byControllers(target).entrySet()) {
      if (e.getValue().equals(ours.get(e.getKey()))) {
        continue; // the same group as ours: nothing to join
      }
      Path dir = hostDir(e.getKey(), e.getValue(), mountinfo);
      if (dir != null) {
        files.add(dir.resolve("cgroup.procs"));
      }
    }
    return files;
  }

  /** controllers ("" for v2, "cpu,cpuacct", "name=systemd") to path. */
  private static Map<String, String> byControllers(List<String> procCgroup) {
    Map<String, String> map = new LinkedHashMap<>();
    for (String line : procCgroup) {
      String[] f = line.split(":", 3);
      if (f.length == 3) {
        map.put(f[1], f[2]);
      }
    }
    return map;
  }

  private static Path hostDir(String controllers, String path, List<String> mountinfo) {
    for (Mounts.Entry m : Mounts.parseAll(mountinfo)) {
      boolean match = controllers.isEmpty()
          ? m.fsType().equals("cgroup2")
          : m.fsType().equals("cgroup") && m.superOptions().containsAll(List.of(controllers.split(",")));
      String root = m.root();
      if (match && (root.equals("/") || path.startsWith(root + "/") || path.equals(root))) {
        String rel = root.equals("/") ? path : path.substring(root.length());
        return m.mountPoint().resolve(rel.replaceFirst("^/+", ""));
      }
    }
    return null;
  }
}
