package dev.poc.cgroup;

import dev.poc.ContainerStats;
import dev.poc.Resources;
import dev.poc.spi.HelperPlan;
import java.io.IOException;
import java.nio.file.Files;
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

  /** Joined only when a group's tuning asks for a cpuset (a new cpuset group has none to run on). */
  static final String CPUSET = "cpuset";
  /** Joined only when a group's tuning writes a blkio file (OCI's blockIO). */
  static final String BLKIO = "blkio";
  /** Joined only when a group's tuning writes a hugetlb file (OCI's hugepageLimits). */
  static final String HUGETLB = "hugetlb";
  /** The hierarchies a group is made in and joins only when its tuning asks for them. */
  static final Set<String> ON_REQUEST = Set.of(CPUSET, BLKIO, HUGETLB);

  private final Map<String, Path> mounts;
  /** The hierarchies every group is made in. */
  private final List<Path> roots;
  /** Those, and the cpuset, blkio and hugetlb hierarchies on their own mounts: where a group may be. */
  private final List<Path> allRoots;
  private final String parent;

  /** {@code mounts}: controller name to the mount point of its hierarchy. */
  CgroupV1(Map<String, Path> mounts) {
    this(mounts, PARENT);
  }

  private CgroupV1(Map<String, Path> mounts, String parent) {
    this.mounts = Collections.unmodifiableMap(new TreeMap<>(mounts));
    Set<Path> always = new LinkedHashSet<>();
    this.mounts.forEach((controller, root) -> {
      if (!ON_REQUEST.contains(controller)) {
        always.add(root);
      }
    });
    this.roots = List.copyOf(always);
    Set<Path> all = new LinkedHashSet<>(always);
    all.addAll(this.mounts.values());
    this.allRoots = List.copyOf(all);
    this.parent = parent;
  }

  @Override
  public Cgroups under(String parent) {
    return new CgroupV1(mounts, parent);
  }

  @Override
  public String parent() {
    return parent;
  }

  @Override
  public String describe() {
    return "cgroup v1 (" + String.join(", ", controllers()) + ")";
  }

  /** The controllers every group is in (not cpuset, blkio and hugetlb, which a group joins only when asked). */
  @Override
  public Set<String> controllers() {
    Set<String> always = new TreeSet<>(mounts.keySet());
    for (String c : ON_REQUEST) {
      if (mounts.containsKey(c) && !roots.contains(mounts.get(c))) {
        always.remove(c);
      }
    }
    return Collections.unmodifiableSet(always);
  }

  @Override
  public boolean offersV1(String controller) {
    return mounts.containsKey(controller);
  }

  @Override
  public boolean offersCpuset() {
    return mounts.containsKey(CPUSET);
  }

  @Override
  public List<Path> dirs(String name) {
    return dirsIn(roots, name);
  }

  @Override
  public List<Path> placesOf(String name) {
    return dirsIn(allRoots, name);
  }

  private List<Path> dirsIn(List<Path> in, String name) {
    List<Path> dirs = new ArrayList<>(in.size());
    for (Path root : in) {
      dirs.add(root.resolve(parent).resolve(name));
    }
    return dirs;
  }

  private Path dir(String controller, String name) {
    return mounts.get(controller).resolve(parent).resolve(name);
  }

  private boolean has(String controller) {
    return mounts.containsKey(controller);
  }

  @Override
  public void create(String name) throws IOException {
    List<Path> made = new ArrayList<>();
    try {
      for (Path root : roots) {
        CgroupFs.mkdirGroup(root, parent, name);
        made.add(root.resolve(parent).resolve(name));
      }
    } catch (IOException | RuntimeException e) {
      GroupRemoval.remove(made, () -> {});
      removeParentIfEmpty();
      throw e;
    }
  }

  @Override
  public void limit(String name, Resources limits, GroupTuning tuning) throws IOException {
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
    // what asks for a controller this driver does not carry is another driver's (CgroupSetup checks one does)
    if (has("cpu") && (tuning.cpuPeriod().isPresent() || tuning.cpuQuota().isPresent())) {
      cfs(dir("cpu", name), tuning);
    }
    if (has(CPUSET) && tuning.wantsCpuset()) {
      cpuset(name, tuning);
    }
    for (GroupTuning.V1File f : tuning.v1Files()) {
      if (has(f.controller())) {
        writeV1File(name, f);
      }
    }
    if (has("devices")) {
      Path devices = dir("devices", name);
      CgroupFs.write(devices.resolve("devices.deny"), "a");
      for (GroupTuning.DeviceRule r : tuning.devices().orElse(List.of())) {
        CgroupFs.write(devices.resolve(r.allow() ? "devices.allow" : "devices.deny"), r.v1());
      }
      for (String rule : DEVICE_ALLOW) {
        CgroupFs.write(devices.resolve("devices.allow"), rule);
      }
    }
  }

  /**
   * The period, then the quota; the kernel checks each against the other's current value (and the
   * parent's), so when that order is refused the other one is tried.
   */
  private static void cfs(Path cpu, GroupTuning t) throws IOException {
    try {
      writeCfs(cpu, "cpu.cfs_period_us", t.cpuPeriod());
      writeCfs(cpu, "cpu.cfs_quota_us", t.cpuQuota());
    } catch (IOException first) {
      writeCfs(cpu, "cpu.cfs_quota_us", t.cpuQuota());
      writeCfs(cpu, "cpu.cfs_period_us", t.cpuPeriod());
    }
  }

  private static void writeCfs(Path cpu, String file, java.util.OptionalLong value) throws IOException {
    if (value.isPresent()) {
      CgroupFs.write(cpu.resolve(file), Long.toString(value.getAsLong()));
    }
  }

  /**
   * The group in the cpuset hierarchy: a new cpuset group has no CPUs and no memory nodes, and
   * nothing can enter it until it has, so each level made here first gets its parent's; then the
   * container's own values.
   */
  private void cpuset(String name, GroupTuning t) throws IOException {
    Path root = mounts.get(CPUSET);
    Path dir = root;
    for (String element : (parent.isEmpty() ? name : parent + "/" + name).split("/")) {
      Path child = dir.resolve(element);
      boolean made;
      try {
        Files.createDirectory(child);
        made = true;
      } catch (java.nio.file.FileAlreadyExistsException e) {
        made = false;
      }
      if (made || Files.readString(child.resolve("cpuset.cpus")).isBlank()) {
        CgroupFs.write(child.resolve("cpuset.cpus"), Files.readString(dir.resolve("cpuset.cpus")).trim());
        CgroupFs.write(child.resolve("cpuset.mems"), Files.readString(dir.resolve("cpuset.mems")).trim());
      }
      dir = child;
    }
    if (!t.cpusetCpus().isEmpty()) {
      CgroupFs.write(dir.resolve("cpuset.cpus"), t.cpusetCpus());
    }
    if (!t.cpusetMems().isEmpty()) {
      CgroupFs.write(dir.resolve("cpuset.mems"), t.cpusetMems());
    }
  }

  /**
   * One of the tuning's v1 files, in a group made here first when its hierarchy is one a group
   * joins on request (blkio); a file this kernel does not offer is refused by the field it serves.
   */
  private void writeV1File(String name, GroupTuning.V1File f) throws IOException {
    Path dir = dir(f.controller(), name);
    if (ON_REQUEST.contains(f.controller())) {
      Files.createDirectories(dir);
    }
    Path file = dir.resolve(f.file());
    if (!f.required() && !Files.exists(file)) {
      return;
    }
    if (!Files.exists(file)) {
      throw new dev.poc.InvalidSpecException(f.field() + " needs " + f.file() + ", which this kernel's " + f.controller()
          + " controller does not offer (" + dir + "): drop the field");
    }
    try {
      CgroupFs.write(file, f.value());
    } catch (IOException e) {
      throw new IOException(f.field() + ": writing '" + f.value() + "' to " + file + ": " + e.getMessage(), e);
    }
  }

  /** The CFS quota for {@code cpus} cores per {@link #CFS_PERIOD_US}. */
  static long quotaMicros(double cpus) {
    return Math.round(cpus * CFS_PERIOD_US);
  }

  /** A process writing 0 to a tasks file moves itself without the global lock a pid write takes. */
  @Override
  public void planEntry(String name, HelperPlan plan) {
    for (Path root : roots) {
      plan.cgroupJoin(root.resolve(parent).resolve(name).resolve("tasks"));
    }
    for (Path root : allRoots) {
      Path onRequest = root.resolve(parent).resolve(name);
      if (!roots.contains(root) && Files.isDirectory(onRequest)) { // made by limit: its tuning asked for one
        plan.cgroupJoin(onRequest.resolve("tasks"));
      }
    }
  }

  /** Every v1 group is joined by its tasks file, which the init can open once the group exists. */
  @Override
  public boolean madeLater() {
    return true;
  }

  /**
   * The tasks file of each hierarchy every group is in, through the hierarchy's root, which exists
   * before the group does; the hierarchies a group joins on request are not planned (a group made
   * later has no tuning that asks for them, see CgroupSetup).
   */
  @Override
  public void planLateEntry(String name, HelperPlan plan) {
    String tasks = (parent.isEmpty() ? "" : parent + "/") + name + "/tasks";
    for (Path root : roots) {
      plan.cgroupJoinLater(root, tasks);
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
    String groupPath = "/" + (parent.isEmpty() ? name : parent + "/" + name);
    List<Path> dirs = dirs(name);
    // a cpuset group holds the same processes as the others: killed through them, removed with them
    return GroupRemoval.remove(placesOf(name), () -> GroupKiller.killAll(dirs, groupPath));
  }

  @Override
  public List<GroupDirs> removalOrder(String name) {
    // the cpuset and blkio places only where the group has one (its tuning asked for it)
    List<Path> dirs = placesOf(name).stream().filter(d -> roots.stream().anyMatch(d::startsWith) || Files.isDirectory(d))
        .toList();
    return List.of(new GroupDirs(false, dirs, "/" + (parent.isEmpty() ? name : parent + "/" + name)));
  }

  @Override
  public void removeParentIfEmpty() {
    if (!parent.equals(PARENT)) {
      return; // another parent is the placement's to remove (CgroupSetup knows which ancestors it made)
    }
    for (Path root : allRoots) { // the cpuset and blkio parents too, where a group asked for them
      CgroupFs.rmdirIfEmpty(root.resolve(parent));
    }
  }

  @Override
  public Set<String> groups() throws IOException {
    Set<String> names = new TreeSet<>();
    for (Path root : roots) {
      names.addAll(CgroupFs.children(root.resolve(parent)));
    }
    return names;
  }
}
