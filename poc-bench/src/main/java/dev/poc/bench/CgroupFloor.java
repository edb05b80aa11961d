package dev.poc.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What any runtime pays to put a process in cgroups of its own, alone: make a group in every
 * mounted hierarchy, move a (long-lived, already running) process in, move it back, remove the
 * groups. On this kernel the first move after an idle moment waits for an RCU grace period (the
 * cgroup_threadgroup_rwsem's rcu_sync), whatever the runtime; this row shows that cost by itself.
 */
final class CgroupFloor implements AutoCloseable {
  private final List<Path> hierarchies;
  private final Names names;
  private final Process parked;

  private CgroupFloor(List<Path> hierarchies, Names names, Process parked) {
    this.hierarchies = hierarchies;
    this.names = names;
    this.parked = parked;
  }

  static CgroupFloor open(Names names) throws IOException {
    List<Path> roots = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      int dash = line.indexOf(" - ");
      String fsType = dash < 0 ? "" : line.substring(dash + 3).split(" ")[0];
      if (fsType.equals("cgroup") || fsType.equals("cgroup2")) {
        roots.add(Path.of(line.split(" ")[4]));
      }
    }
    Process sleeper = new ProcessBuilder("sleep", "3600").start();
    return new CgroupFloor(roots, names, sleeper);
  }

  /** One group per hierarchy made, the process moved in and out, the groups removed. */
  Trial trial() {
    return () -> {
      String pid = Long.toString(parked.pid());
      String name = names.next();
      long t0 = System.nanoTime();
      List<Path> made = new ArrayList<>();
      try {
        for (Path root : hierarchies) {
          Path dir = Files.createDirectory(root.resolve(name));
          made.add(dir);
          if (Files.exists(dir.resolve("cpuset.cpus"))) { // v1 cpuset takes no task until it has cpus and mems
            Files.writeString(dir.resolve("cpuset.cpus"), Files.readString(root.resolve("cpuset.cpus")).trim());
            Files.writeString(dir.resolve("cpuset.mems"), Files.readString(root.resolve("cpuset.mems")).trim());
          }
          Files.writeString(dir.resolve("cgroup.procs"), pid);
        }
      } finally {
        for (Path root : hierarchies) {
          Files.writeString(root.resolve("cgroup.procs"), pid);
        }
        for (Path dir : made) {
          Files.delete(dir);
        }
      }
      return System.nanoTime() - t0;
    };
  }

  @Override
  public void close() throws InterruptedException {
    parked.destroyForcibly();
    parked.waitFor();
  }
}
