package dev.poc.cgroup;

import dev.poc.ContainerStats;
import dev.poc.Resources;
import dev.poc.spi.HelperPlan;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * cgroup v1: one hierarchy per controller (or a few co-mounted, as {@code cpu,cpuacct}), each with
 * its own {@code poc/NAME} directory. Limits: memory.limit_in_bytes (and memsw, so swap is not
 * added on top), cpu.cfs_quota_us, cpu.shares, pids.max; an allow-list in devices.
 */
final class CgroupV1 implements Cgroups {
  /** The CFS period a new group starts with; the quota is written against it. */
  static final long CFS_PERIOD_US = 100_000;
  /**
   * Docker's default device allow-list, minus mknod of anything: the nodes poc-init makes in /dev,
   * the console and the container's own ptys. A node made with CAP_MKNOD for a host disk cannot be
   * opened.
   */
  static final List<String> DEVICE_ALLOW = List.of(
      "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
      "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm");

  private final Map<String, Path> mounts;
  private final List<Path> roots;

  /** {@code mounts}: controller name to the mount point of its hierarchy. */
  CgroupV1(Map<String, Path> mounts) {
    this.mounts = Collections.unmodifiableMap(new TreeMap<>(mounts));
    this.roots = List.copyOf(new LinkedHashSet<>(this.mounts.values()));
  }

  @Override
  public String describe() {
    return "cgroup v1 (" + String.join(", ", mounts.keySet()) + ")";
  }

  @Override
  public Set<String> controllers() {
    return mounts.keySet();
  }

  @Override
  public List<Path> dirs(String name) {
    List<Path> dirs = new ArrayList<>(roots.size());
    for (Path root : roots) {
      dirs.add(root.resolve(PARENT).resolve(name));
    }
    return dirs;
  }

  private Path dir(String controller, String name) {
    return mounts.get(controller).resolve(PARENT).resolve(name);
  }

  private boolean has(String controller) {
    return mounts.containsKey(controller);
  }

  @Override
  public void create(String name) throws IOException {
    List<Path> made = new ArrayList<>();
    try {
      for (Path root : roots) {
        CgroupFs.mkdirGroup(root, PARENT, name);
        made.add(root.resolve(PARENT).resolve(name));
      }
    } catch (IOException | RuntimeException e) {
      GroupRemoval.remove(made, () -> {});
      removeParentIfEmpty();
      throw e;
    }
  }

  @Override
  public void limit(String name, Resources limits) throws IOException {
    if (has("memory") && limits.memoryBytes().isPresent()) {
      String bytes = Long.toString(limits.memoryBytes().getAsLong());
      Path mem = dir("memory", name);
      CgroupFs.write(mem.resolve("memory.limit_in_bytes"), bytes);
      // memory+swap equal to memory: no swap on top (absent without swap accounting)
      CgroupFs.writeIfPresent(mem.resolve("memory.memsw.limit_in_bytes"), bytes);
    }
    if (has("cpu") && limits.cpus().isPresent()) {
      CgroupFs.write(dir("cpu", name).resolve("cpu.cfs_quota_us"), Long.toString(quotaMicros(limits.cpus().getAsDouble())));
    }
    if (has("cpu") && limits.cpuShares().isPresent()) {
      CgroupFs.write(dir("cpu", name).resolve("cpu.shares"), Long.toString(limits.cpuShares().getAsLong()));
    }
    if (has("pids") && limits.effectivePids().isPresent()) {
      CgroupFs.write(dir("pids", name).resolve("pids.max"), Long.toString(limits.effectivePids().getAsLong()));
    }
    if (has("devices")) {
      Path devices = dir("devices", name);
      CgroupFs.write(devices.resolve("devices.deny"), "a");
      for (String rule : DEVICE_ALLOW) {
        CgroupFs.write(devices.resolve("devices.allow"), rule);
      }
    }
  }

  /** The CFS quota for {@code cpus} cores per {@link #CFS_PERIOD_US}. */
  static long quotaMicros(double cpus) {
    return Math.round(cpus * CFS_PERIOD_US);
  }

  /** A process writing 0 to a tasks file moves itself without the global lock a pid write takes. */
  @Override
  public void planEntry(String name, HelperPlan plan) {
    for (Path dir : dirs(name)) {
      plan.cgroupJoin(dir.resolve("tasks"));
    }
  }

  @Override
  public void place(String name, int pid) throws IOException {
    String p = Integer.toString(pid);
    for (Path dir : dirs(name)) {
      CgroupFs.write(dir.resolve("cgroup.procs"), p);
    }
  }

  @Override
  public void readStats(String name, ContainerStats.Builder into) throws IOException {
    if (has("memory")) {
      Path mem = dir("memory", name);
      into.memoryBytes(CgroupFs.readLong(mem.resolve("memory.usage_in_bytes")));
      into.memoryPeakBytes(CgroupFs.readLong(mem.resolve("memory.max_usage_in_bytes")));
      into.oomKilled(oomKills(name) > 0);
    }
    if (has("cpuacct")) {
      into.cpuTime(Duration.ofNanos(CgroupFs.readLong(dir("cpuacct", name).resolve("cpuacct.usage"))));
    }
    if (has("cpu")) {
      Map<String, Long> stat = CgroupFs.readKeyed(dir("cpu", name).resolve("cpu.stat"));
      into.throttledPeriods(stat.getOrDefault("nr_throttled", 0L));
      into.throttledTime(Duration.ofNanos(stat.getOrDefault("throttled_time", 0L)));
    }
    if (has("pids")) {
      into.pids(CgroupFs.readLong(dir("pids", name).resolve("pids.current")));
    }
  }

  private long oomKills(String name) throws IOException {
    if (!has("memory")) {
      return 0;
    }
    return CgroupFs.readKeyed(dir("memory", name).resolve("memory.oom_control")).getOrDefault("oom_kill", 0L);
  }

  @Override
  public boolean remove(String name) {
    String groupPath = "/" + PARENT + "/" + name;
    List<Path> dirs = dirs(name);
    return GroupRemoval.remove(dirs, () -> GroupKiller.killAll(dirs, groupPath));
  }

  @Override
  public List<GroupDirs> removalOrder(String name) {
    return List.of(new GroupDirs(false, dirs(name), "/" + PARENT + "/" + name));
  }

  @Override
  public void removeParentIfEmpty() {
    for (Path root : roots) {
      CgroupFs.rmdirIfEmpty(root.resolve(PARENT));
    }
  }

  @Override
  public Set<String> groups() throws IOException {
    Set<String> names = new TreeSet<>();
    for (Path root : roots) {
      names.addAll(CgroupFs.children(root.resolve(PARENT)));
    }
    return names;
  }
}
