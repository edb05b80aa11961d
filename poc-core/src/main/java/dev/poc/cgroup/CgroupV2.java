package dev.poc.cgroup;

import dev.poc.ContainerStats;
import dev.poc.Resources;
import dev.poc.spi.HelperPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * cgroup v2: one unified hierarchy, {@code poc/NAME} under its root. Limits: memory.max (and
 * memory.swap.max 0, so swap is not added on top), cpu.max, cpu.weight, pids.max; the OOM count in
 * memory.events; {@code cgroup.kill} to empty a group at once; the device allow-list as a BPF
 * program ({@link DeviceFilter}). On a hybrid host the unified mount holds no controllers poc uses:
 * the group then only tracks, filters devices, kills and removes the container's processes, while
 * {@link CgroupV1} limits them.
 */
final class CgroupV2 implements Cgroups {
  private static final Logger LOG = LoggerFactory.getLogger(CgroupV2.class);
  /** The controllers poc limits, in the order cgroup.subtree_control lists them. */
  static final List<String> USED = List.of("cpu", "memory", "pids");

  private final Path root;
  private final String parent;
  private final Set<String> controllers;
  private final String enable;
  private final boolean requireDeviceFilter;
  /** Whether v1 hierarchies read this group's figures (a hybrid host): then it reads none itself. */
  private final boolean figuresFromV1;
  private volatile boolean rootEnabled;
  private volatile boolean parentReady;

  /** {@code available}: the controllers listed in the root's {@code cgroup.controllers}. */
  CgroupV2(Path root, Set<String> available) {
    this(root, available, true);
  }

  /**
   * {@code requireDeviceFilter}: whether a group whose BPF device filter the kernel refuses is an
   * error; not where a v1 devices controller (a hybrid host) guards the container's devices too.
   */
  CgroupV2(Path root, Set<String> available, boolean requireDeviceFilter) {
    this(root, PARENT, available, requireDeviceFilter, false);
  }

  private CgroupV2(Path root, String parent, Set<String> available, boolean requireDeviceFilter, boolean figuresFromV1) {
    this.root = root;
    this.parent = parent;
    this.requireDeviceFilter = requireDeviceFilter;
    this.figuresFromV1 = figuresFromV1;
    Set<String> used = new LinkedHashSet<>(USED);
    used.retainAll(available);
    this.controllers = Collections.unmodifiableSet(used);
    this.enable = used.stream().map(c -> "+" + c).collect(Collectors.joining(" "));
  }

  @Override
  public Cgroups under(String parent) {
    return new CgroupV2(root, parent, controllers, requireDeviceFilter, figuresFromV1);
  }

  /**
   * This driver on a hybrid host whose v1 hierarchies read the CPU time and the pids (cpuacct,
   * pids): its own cpu.stat and cgroup.procs would only be read to be overwritten, so it reads
   * nothing (two reads fewer at every container's exit). Only while it carries no controller.
   */
  CgroupV2 figuresFromV1() {
    return controllers.isEmpty() ? new CgroupV2(root, parent, controllers, requireDeviceFilter, true) : this;
  }

  @Override
  public String parent() {
    return parent;
  }

  @Override
  public String describe() {
    return "cgroup2 at " + root + (controllers.isEmpty() ? " (no controllers poc uses)" : " (" + String.join(", ", controllers) + ")");
  }

  @Override
  public Set<String> controllers() {
    return controllers;
  }

  @Override
  public List<Path> dirs(String name) {
    return List.of(dir(name));
  }

  private Path dir(String name) {
    return root.resolve(parent).resolve(name);
  }

  private boolean has(String controller) {
    return controllers.contains(controller);
  }

  @Override
  public void create(String name) throws IOException {
    if (!parentReady) {
      setUpParent();
    }
    // a prune elsewhere may have removed the parent since: then it is made, and set up, again
    CgroupFs.mkdirGroup(root, parent, name, this::enableInParent);
  }

  /**
   * Once per driver (and again when the parent had to be made anew): the controllers enabled at
   * the root and in {@code poc/}, which may exist already, made by another runtime that has not
   * enabled them yet; enabling twice is a no-op for the kernel.
   */
  private synchronized void setUpParent() throws IOException {
    if (parentReady) {
      return;
    }
    if (!controllers.isEmpty() && !rootEnabled) {
      enableAt(root);
      rootEnabled = true;
    }
    Path dir = root;
    for (String element : parent.isEmpty() ? new String[0] : parent.split("/")) {
      dir = dir.resolve(element);
      try {
        Files.createDirectory(dir);
      } catch (java.nio.file.FileAlreadyExistsException e) {
        // made earlier, by this JVM or another
      }
      if (!dir.equals(root.resolve(parent))) {
        enableAt(dir); // a placement's deeper parent: every level passes the controllers down
      }
    }
    enableInParent();
    parentReady = true;
  }

  private void enableInParent() throws IOException {
    if (!controllers.isEmpty()) {
      CgroupFs.write(root.resolve(parent).resolve("cgroup.subtree_control"), enable);
    }
  }

  /** Enables the used controllers for the children of {@code dir}, writing only what is missing. */
  private void enableAt(Path dir) throws IOException {
    if (controllers.isEmpty()) {
      return;
    }
    Path file = dir.resolve("cgroup.subtree_control");
    Set<String> on = new TreeSet<>(Arrays.asList(Files.readString(file).trim().split("\\s+")));
    if (!on.containsAll(controllers)) {
      CgroupFs.write(file, enable);
    }
  }

  @Override
  public void limit(String name, Resources limits, GroupTuning tuning) throws IOException {
    Path dir = dir(name);
    if (has("memory") && limits.memoryBytes().isPresent()) {
      CgroupFs.write(dir.resolve("memory.max"), Long.toString(limits.memoryBytes().getAsLong()));
      CgroupFs.writeIfPresent(dir.resolve("memory.swap.max"), "0"); // absent without swap accounting
    }
    if (has("cpu") && limits.cpus().isPresent()) {
      CgroupFs.write(dir.resolve("cpu.max"), CgroupV1.quotaMicros(limits.cpus().getAsDouble()) + " " + CgroupV1.CFS_PERIOD_US);
    }
    if (has("cpu") && limits.cpuShares().isPresent()) {
      CgroupFs.write(dir.resolve("cpu.weight"), Long.toString(weight(limits.cpuShares().getAsLong())));
    }
    if (has("pids") && limits.effectivePids().isPresent()) {
      CgroupFs.write(dir.resolve("pids.max"), Long.toString(limits.effectivePids().getAsLong()));
    }
    // what asks for a controller this driver does not carry is another driver's (CgroupSetup checks one does)
    if (has("cpu") && (tuning.cpuPeriod().isPresent() || tuning.cpuQuota().isPresent())) {
      String quota = tuning.cpuQuota().isPresent() && tuning.cpuQuota().getAsLong() > 0
          ? Long.toString(tuning.cpuQuota().getAsLong()) : "max";
      CgroupFs.write(dir.resolve("cpu.max"), quota + " " + tuning.cpuPeriod().orElse(CgroupV1.CFS_PERIOD_US));
    }
    try {
      DeviceFilter.attach(dir, DeviceFilter.rules(tuning.devices()));
    } catch (IOException e) {
      if (requireDeviceFilter) {
        throw new IOException(e.getMessage() + ": without the filter the container could open any host device "
            + "(cgroup v2 has no devices controller); run on a kernel with CONFIG_CGROUP_BPF, where bpf(2) is allowed", e);
      }
      LOG.debug("device filter on {} refused ({}); a v1 devices controller guards the group", dir, e.getMessage());
    }
  }

  /**
   * cpu.shares (2..262144, default 1024) to cpu.weight (1..10000, default 100). A curve through
   * the three points that matter, (2, 1), (1024, 100) and (262144, 10000): log10(weight) is a
   * quadratic in log2(shares). The older linear mapping sent the default 1024 to 39, well below a
   * neighbour's default weight of 100.
   */
  static long weight(long shares) {
    double l = Math.log(shares) / Math.log(2);
    double exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
    return Math.max(1, Math.min(10_000, Math.round(Math.pow(10, exponent))));
  }

  @Override
  public void planEntry(String name, HelperPlan plan) {
    plan.cgroupBornIn(dir(name));
  }

  @Override
  public void place(String name, int pid) throws IOException {
    CgroupFs.write(dir(name).resolve("cgroup.procs"), Integer.toString(pid));
  }

  @Override
  public void readStats(String name, ContainerStats.Builder into) throws IOException {
    if (figuresFromV1) {
      return;
    }
    Path dir = dir(name);
    // cpu.stat's usage is core accounting, there with or without the cpu controller
    Map<String, Long> cpu = CgroupFs.readKeyed(dir.resolve("cpu.stat"));
    into.cpuTime(Duration.ofNanos(cpu.getOrDefault("usage_usec", 0L) * 1000));
    if (has("cpu")) {
      into.throttledPeriods(cpu.getOrDefault("nr_throttled", 0L));
      into.throttledTime(Duration.ofNanos(cpu.getOrDefault("throttled_usec", 0L) * 1000));
    }
    if (has("memory")) {
      long current = CgroupFs.readLong(dir.resolve("memory.current"));
      into.memoryBytes(current);
      try {
        into.memoryPeakBytes(CgroupFs.readLong(dir.resolve("memory.peak")));
      } catch (NoSuchFileException e) {
        into.memoryPeakBytes(current); // memory.peak came with Linux 5.19
      }
      into.oomKilled(oomKills(name) > 0);
    }
    into.pids(has("pids") ? CgroupFs.readLong(dir.resolve("pids.current")) : CgroupFs.procs(dir).size());
  }

  private long oomKills(String name) throws IOException {
    if (!has("memory")) {
      return 0;
    }
    return CgroupFs.readKeyed(dir(name).resolve("memory.events")).getOrDefault("oom_kill", 0L);
  }

  @Override
  public boolean remove(String name) {
    List<Path> dirs = dirs(name);
    return GroupRemoval.remove(dirs, () -> kill(name));
  }

  @Override
  public List<GroupDirs> removalOrder(String name) {
    return List.of(new GroupDirs(true, dirs(name), "/" + (parent.isEmpty() ? name : parent + "/" + name)));
  }

  @Override
  public synchronized void removeParentIfEmpty() {
    if (!parent.equals(PARENT)) {
      return; // another parent is the placement's to remove (CgroupSetup knows which ancestors it made)
    }
    if (CgroupFs.rmdir(root.resolve(parent)) == 0) {
      parentReady = false;
    }
  }

  private void kill(String name) throws IOException {
    if (!CgroupFs.writeIfPresent(dir(name).resolve("cgroup.kill"), "1")) {
      GroupKiller.killAll(dirs(name), "/" + (parent.isEmpty() ? name : parent + "/" + name)); // before Linux 5.14
    }
  }

  @Override
  public Set<String> groups() throws IOException {
    return CgroupFs.children(root.resolve(parent));
  }
}
