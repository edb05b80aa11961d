package dev.poc.cgroup;

import java.nio.file.Path;
import java.util.List;

/**
 * One driver's directories of a group, in the order its removal goes through them, and how it
 * empties a directory that will not go: {@code unified} writes {@code cgroup.kill} (SIGKILL through
 * {@code cgroup.procs} where the kernel has none), a v1 driver always goes through
 * {@code cgroup.procs}, re-checking each process's membership of {@code member}.
 *
 * @param unified whether this is the unified (v2) hierarchy's driver
 * @param dirs the group's directories in this driver's hierarchies
 * @param member the group's path as {@code /proc/PID/cgroup} names it ({@code /poc/NAME})
 */
public record GroupDirs(boolean unified, List<Path> dirs, String member) {
  public GroupDirs {
    dirs = List.copyOf(dirs);
  }
}
