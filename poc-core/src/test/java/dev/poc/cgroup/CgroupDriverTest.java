package dev.poc.cgroup;

import dev.poc.ContainerStats;
import dev.poc.Resources;
import dev.poc.TestRootfs;
import dev.poc.launch.Release;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two drivers: on this kernel's own hierarchies (create, place, kill, remove), and their limit
 * and figure files against a temporary directory standing in for cgroupfs.
 */
class CgroupDriverTest {
  private static final CgroupLayout HOST = CgroupLayout.detect();

  private static Resources limits() {
    return Resources.builder().memoryBytes(32L << 20).cpus(1.5).cpuShares(1024).pids(100).build();
  }

  /** Makes the interface files the kernel would make in a new group. */
  private static Path kernelFiles(Path dir, String... files) throws IOException {
    Files.createDirectories(dir);
    for (String f : files) {
      Files.writeString(dir.resolve(f), "");
    }
    return dir;
  }

  private static String read(Path file) throws IOException {
    return Files.readString(file);
  }

  // ---- the real kernel

  @Test
  void v2DriverCreatesPlacesKillsAndRemovesOnThisKernel() throws Exception {
    assumeTrue(HOST.unified().isPresent(), "no cgroup2 mount");
    CgroupV2 v2 = new CgroupV2(HOST.unified().get(), HOST.unifiedControllers());
    String name = TestRootfs.uniqueName("drv2");
    Process sleeper = new ProcessBuilder("sleep", "1000").start();
    try {
      v2.create(name);
      Path dir = v2.dirs(name).get(0);
      assertThat(dir.resolve("cgroup.procs")).exists();
      assertThatThrownBy(() -> v2.create(name)).isInstanceOf(FileAlreadyExistsException.class);
      v2.place(name, (int) sleeper.pid());
      assertThat(read(Path.of("/proc", Long.toString(sleeper.pid()), "cgroup"))).contains("0::/poc/" + name + "\n");
      ContainerStats.Builder b = ContainerStats.builder();
      v2.readStats(name, b);
      assertThat(((ContainerStats) b.build()).pids()).isEqualTo(1);
      // cgroup.kill, then rmdir once the group is empty
      assertThat(v2.remove(name)).isTrue();
      assertThat(sleeper.waitFor(5, TimeUnit.SECONDS)).isTrue();
      assertThat(sleeper.exitValue()).isEqualTo(137);
      assertThat(dir).doesNotExist();
    } finally {
      sleeper.destroyForcibly();
      v2.remove(name);
    }
  }

  @Test
  void v1DriverWritesLimitsAndKillsWhatIsLeftOnThisKernel() throws Exception {
    assumeTrue(!HOST.v1().isEmpty(), "no cgroup v1 hierarchy");
    CgroupV1 v1 = new CgroupV1(HOST.v1());
    String name = TestRootfs.uniqueName("drv1");
    Process sleeper = new ProcessBuilder("sleep", "1000").start();
    try {
      v1.create(name);
      v1.limit(name, limits());
      Map<String, Path> m = HOST.v1();
      Path mem = m.get("memory").resolve("poc").resolve(name);
      assertThat(read(mem.resolve("memory.limit_in_bytes")).trim()).isEqualTo(Long.toString(32L << 20));
      if (Files.exists(mem.resolve("memory.memsw.limit_in_bytes"))) {
        assertThat(read(mem.resolve("memory.memsw.limit_in_bytes")).trim()).isEqualTo(Long.toString(32L << 20));
      }
      Path cpu = m.get("cpu").resolve("poc").resolve(name);
      assertThat(read(cpu.resolve("cpu.cfs_quota_us")).trim()).isEqualTo("150000");
      assertThat(read(cpu.resolve("cpu.cfs_period_us")).trim()).isEqualTo("100000");
      assertThat(read(cpu.resolve("cpu.shares")).trim()).isEqualTo("1024");
      assertThat(read(m.get("pids").resolve("poc").resolve(name).resolve("pids.max")).trim()).isEqualTo("100");
      if (m.containsKey("devices")) {
        assertThat(read(m.get("devices").resolve("poc").resolve(name).resolve("devices.list")).lines())
            .containsExactlyInAnyOrderElementsOf(CgroupV1.DEVICE_ALLOW);
      }
      v1.place(name, (int) sleeper.pid());
      ContainerStats.Builder b = ContainerStats.builder();
      v1.readStats(name, b);
      assertThat(((ContainerStats) b.build()).pids()).isEqualTo(1);
      // no cgroup.kill in v1: each pid is pinned with a pidfd, checked, and SIGKILLed
      assertThat(v1.remove(name)).isTrue();
      assertThat(sleeper.waitFor(5, TimeUnit.SECONDS)).isTrue();
      assertThat(sleeper.exitValue()).isEqualTo(137);
      for (Path dir : v1.dirs(name)) {
        assertThat(dir).doesNotExist();
      }
    } finally {
      sleeper.destroyForcibly();
      v1.remove(name);
    }
  }

  @Test
  void concurrentCreatorsAndRemoversShareTheParent() throws Exception {
    Cgroups host = HOST.drivers();
    int threads = 4;
    int rounds = 25;
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
    try {
      List<java.util.concurrent.Future<Integer>> results = new java.util.ArrayList<>();
      for (int t = 0; t < threads; t++) {
        results.add(pool.submit(() -> {
          int removed = 0;
          for (int i = 0; i < rounds; i++) {
            String name = TestRootfs.uniqueName("race");
            // each create may find poc/ gone (another thread removed it when empty) and makes it again
            host.create(name);
            if (host.remove(name)) {
              removed++;
            }
          }
          return removed;
        }));
      }
      for (java.util.concurrent.Future<Integer> r : results) {
        assertThat(r.get(60, TimeUnit.SECONDS)).isEqualTo(rounds);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(host.groups()).noneMatch(g -> g.startsWith("race-"));
  }

  @Test
  void processesOutsideTheGroupAreNeverKilled() throws Exception {
    Process bystander = new ProcessBuilder("sleep", "1000").start();
    try {
      Path fake = Files.createTempDirectory("cgroup-procs");
      Files.writeString(fake.resolve("cgroup.procs"), bystander.pid() + "\n");
      // its pid is listed, but /proc/PID/cgroup does not name the group: it is a stranger
      assertThat(GroupKiller.killAll(List.of(fake), "/poc/" + TestRootfs.uniqueName("nobody"))).isZero();
      assertThat(bystander.isAlive()).isTrue();
      Release.deleteTree(fake);
    } finally {
      bystander.destroyForcibly();
    }
  }

  // ---- a temporary directory standing in for cgroupfs (no kernel to attach a device filter to)

  @Test
  void v2WritesLimitFilesAndEnablesControllers(@TempDir Path root) throws Exception {
    kernelFiles(root, "cgroup.subtree_control");
    Files.writeString(root.resolve("cgroup.subtree_control"), "io\n");
    kernelFiles(root.resolve("poc"), "cgroup.subtree_control");
    CgroupV2 v2 = new CgroupV2(root, Set.of("cpuset", "cpu", "io", "memory", "pids"), false);
    assertThat(v2.controllers()).containsExactly("cpu", "memory", "pids");
    v2.create("t0");
    assertThat(read(root.resolve("cgroup.subtree_control"))).isEqualTo("+cpu +memory +pids");
    assertThat(read(root.resolve("poc/cgroup.subtree_control"))).isEqualTo("+cpu +memory +pids");
    Path dir = kernelFiles(root.resolve("poc/t0"), "memory.max", "memory.swap.max", "cpu.max", "cpu.weight", "pids.max");
    v2.limit("t0", limits());
    assertThat(read(dir.resolve("memory.max"))).isEqualTo("33554432");
    assertThat(read(dir.resolve("memory.swap.max"))).isEqualTo("0");
    assertThat(read(dir.resolve("cpu.max"))).isEqualTo("150000 100000");
    assertThat(read(dir.resolve("cpu.weight"))).isEqualTo("100");
    assertThat(read(dir.resolve("pids.max"))).isEqualTo("100");
  }

  @Test
  void v2WithoutSwapAccountingAndWithoutLimitsWritesLittle(@TempDir Path root) throws Exception {
    kernelFiles(root.resolve("poc"), "cgroup.subtree_control");
    Files.writeString(root.resolve("cgroup.subtree_control"), "cpu memory pids\n");
    CgroupV2 v2 = new CgroupV2(root, Set.of("cpu", "memory", "pids"), false);
    v2.create("t0");
    Path dir = kernelFiles(root.resolve("poc/t0"), "memory.max", "cpu.max", "pids.max");
    v2.limit("t0", Resources.builder().memoryBytes(64L << 20).build());
    assertThat(read(dir.resolve("memory.max"))).isEqualTo("67108864");
    assertThat(read(dir.resolve("cpu.max"))).isEmpty();
    assertThat(read(root.resolve("cgroup.subtree_control"))).as("already enabled: not rewritten").isEqualTo("cpu memory pids\n");
  }

  @Test
  void v2ReadsFiguresAndTheOomCount(@TempDir Path root) throws Exception {
    kernelFiles(root.resolve("poc"), "cgroup.subtree_control");
    Files.writeString(root.resolve("cgroup.subtree_control"), "cpu memory pids");
    CgroupV2 v2 = new CgroupV2(root, Set.of("cpu", "memory", "pids"), false);
    Path dir = root.resolve("poc/t0");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("memory.current"), "1234\n");
    Files.writeString(dir.resolve("memory.peak"), "5678\n");
    Files.writeString(dir.resolve("memory.events"), "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n");
    Files.writeString(dir.resolve("cpu.stat"),
        "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\nnr_periods 10\nnr_throttled 4\nthrottled_usec 700\n");
    Files.writeString(dir.resolve("pids.current"), "3\n");
    ContainerStats.Builder b = ContainerStats.builder();
    v2.readStats("t0", b);
    assertThat(b.build()).isEqualTo(ContainerStats.builder().memoryBytes(1234).memoryPeakBytes(5678)
        .cpuTime(Duration.ofNanos(2_500_000)).pids(3).oomKilled(true).throttledPeriods(4)
        .throttledTime(Duration.ofNanos(700_000)).build());
  }

  @Test
  void v2WithoutControllersOnlyTracks(@TempDir Path root) throws Exception {
    CgroupV2 v2 = new CgroupV2(root, Set.of("hugetlb"), false);
    v2.create("t0");
    Path dir = kernelFiles(root.resolve("poc/t0"), "cgroup.procs");
    v2.limit("t0", limits()); // nothing of it is this driver's
    assertThat(Files.list(dir).count()).isEqualTo(1);
    Files.writeString(dir.resolve("cpu.stat"), "usage_usec 42\n");
    Files.writeString(dir.resolve("cgroup.procs"), "10\n11\n");
    ContainerStats.Builder b = ContainerStats.builder();
    v2.readStats("t0", b);
    assertThat(((ContainerStats) b.build()).pids()).isEqualTo(2);
    assertThat(((ContainerStats) b.build()).cpuTime()).isEqualTo(Duration.ofNanos(42_000));
    assertThat(((ContainerStats) b.build()).oomKilled()).isFalse();
  }

  @Test
  void v1WritesLimitFilesPerController(@TempDir Path root) throws Exception {
    Path cpu = root.resolve("cpu,cpuacct");
    Map<String, Path> mounts = Map.of("cpu", cpu, "cpuacct", cpu, "memory", root.resolve("memory"),
        "pids", root.resolve("pids"), "devices", root.resolve("devices"));
    for (Path p : mounts.values()) {
      Files.createDirectories(p);
    }
    CgroupV1 v1 = new CgroupV1(mounts);
    v1.create("t0");
    assertThat(v1.dirs("t0")).hasSize(4);
    Path c = kernelFiles(cpu.resolve("poc/t0"), "cpu.cfs_quota_us", "cpu.shares");
    Path m = kernelFiles(root.resolve("memory/poc/t0"), "memory.limit_in_bytes");
    Path p = kernelFiles(root.resolve("pids/poc/t0"), "pids.max");
    Path d = kernelFiles(root.resolve("devices/poc/t0"), "devices.deny", "devices.allow");
    v1.limit("t0", Resources.builder().memoryBytes(32L << 20).cpus(0.5).cpuShares(512).pids(20).build());
    assertThat(read(m.resolve("memory.limit_in_bytes"))).isEqualTo("33554432");
    assertThat(m.resolve("memory.memsw.limit_in_bytes")).as("no swap accounting: left alone").doesNotExist();
    assertThat(read(c.resolve("cpu.cfs_quota_us"))).isEqualTo("50000");
    assertThat(read(c.resolve("cpu.shares"))).isEqualTo("512");
    assertThat(read(p.resolve("pids.max"))).isEqualTo("20");
    assertThat(read(d.resolve("devices.deny"))).isEqualTo("a");
  }

  @Test
  void v1UnderAnotherParentWritesTheTuningAndMakesTheCpusetGroupFromItsParents(@TempDir Path root) throws Exception {
    Map<String, Path> mounts = Map.of("cpu", root.resolve("cpu"), "cpuset", root.resolve("cpuset"),
        "devices", root.resolve("devices"));
    for (Path p : mounts.values()) {
      Files.createDirectories(p);
    }
    Files.writeString(root.resolve("cpuset/cpuset.cpus"), "0-3\n");
    Files.writeString(root.resolve("cpuset/cpuset.mems"), "0\n");
    Cgroups v1 = new CgroupV1(mounts).under("a/b");
    v1.create("t0");
    assertThat(root.resolve("cpu/a/b/t0")).isDirectory();
    assertThat(root.resolve("cpuset/a")).as("cpuset only when asked for").doesNotExist();
    Path c = kernelFiles(root.resolve("cpu/a/b/t0"), "cpu.cfs_quota_us", "cpu.cfs_period_us");
    Path d = kernelFiles(root.resolve("devices/a/b/t0"), "devices.deny", "devices.allow");
    // cgroupfs makes the interface files of a new cpuset group; here they stand in, empty as the kernel's
    for (String level : List.of("a", "a/b", "a/b/t0")) {
      kernelFiles(root.resolve("cpuset").resolve(level), "cpuset.cpus", "cpuset.mems");
    }
    GroupTuning t = new GroupTuning(java.util.OptionalLong.of(20000), java.util.OptionalLong.of(400000), "1", "",
        java.util.Optional.of(List.of(new GroupTuning.DeviceRule(true, 'c', 10, 200, "rw"))));
    v1.limit("t0", Resources.none(), t);
    assertThat(read(c.resolve("cpu.cfs_period_us"))).isEqualTo("400000");
    assertThat(read(c.resolve("cpu.cfs_quota_us"))).isEqualTo("20000");
    assertThat(read(root.resolve("cpuset/a/b/cpuset.cpus"))).as("a level made: its parent's").isEqualTo("0-3");
    assertThat(read(root.resolve("cpuset/a/b/t0/cpuset.cpus"))).isEqualTo("1");
    assertThat(read(root.resolve("cpuset/a/b/t0/cpuset.mems"))).isEqualTo("0");
    assertThat(read(d.resolve("devices.allow"))).as("poc's own nodes last").isEqualTo(CgroupV1.DEVICE_ALLOW.get(8));
    assertThat(v1.dirs("t0")).doesNotContain(root.resolve("cpuset/a/b/t0"));
    assertThat(v1.placesOf("t0")).contains(root.resolve("cpuset/a/b/t0"));
  }

  @Test
  void theDeviceRulesOfAConfigComeFirstLastOneFirstForTheBpfFilter() {
    List<String> rules = DeviceFilter.rules(java.util.Optional.of(List.of(new GroupTuning.DeviceRule(false, 'a', -1, -1, "rwm"),
        new GroupTuning.DeviceRule(true, 'c', 10, 200, "rw"))));
    assertThat(rules).endsWith("c 10:200 rw", "!a *:* rwm");
    assertThat(DeviceFilter.program(rules).length % 8).isZero();
    assertThat(DeviceFilter.rules(java.util.Optional.empty())).isEqualTo(CgroupV1.DEVICE_ALLOW);
  }

  @Test
  void v1ReadsFiguresAndTheOomCount(@TempDir Path root) throws Exception {
    Map<String, Path> mounts = Map.of("cpu", root.resolve("cpu"), "cpuacct", root.resolve("cpuacct"),
        "memory", root.resolve("memory"), "pids", root.resolve("pids"));
    CgroupV1 v1 = new CgroupV1(mounts);
    Files.createDirectories(root.resolve("cpu/poc/t0"));
    Files.createDirectories(root.resolve("cpuacct/poc/t0"));
    Files.createDirectories(root.resolve("memory/poc/t0"));
    Files.createDirectories(root.resolve("pids/poc/t0"));
    Files.writeString(root.resolve("memory/poc/t0/memory.usage_in_bytes"), "4096\n");
    Files.writeString(root.resolve("memory/poc/t0/memory.max_usage_in_bytes"), "8192\n");
    Files.writeString(root.resolve("memory/poc/t0/memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
    Files.writeString(root.resolve("cpuacct/poc/t0/cpuacct.usage"), "123456789\n");
    Files.writeString(root.resolve("cpu/poc/t0/cpu.stat"), "nr_periods 9\nnr_throttled 5\nthrottled_time 777\n");
    Files.writeString(root.resolve("pids/poc/t0/pids.current"), "7\n");
    ContainerStats.Builder b = ContainerStats.builder();
    v1.readStats("t0", b);
    assertThat(b.build()).isEqualTo(ContainerStats.builder().memoryBytes(4096).memoryPeakBytes(8192)
        .cpuTime(Duration.ofNanos(123_456_789)).pids(7).oomKilled(true).throttledPeriods(5)
        .throttledTime(Duration.ofNanos(777)).build());
  }

  @Test
  void combinedCreateLeavesNothingWhenOneDriverFails(@TempDir Path root) throws Exception {
    CgroupV2 v2 = new CgroupV2(root.resolve("unified"), Set.of(), false);
    Files.createDirectories(root.resolve("unified"));
    // a v1 mount point that does not exist: its mkdir fails
    CgroupV1 v1 = new CgroupV1(Map.of("memory", root.resolve("missing/memory")));
    CombinedCgroups both = new CombinedCgroups(List.of(v2, v1));
    assertThatThrownBy(() -> both.create("t0")).isInstanceOf(IOException.class).hasMessageContaining("missing/memory");
    assertThat(root.resolve("unified/poc/t0")).doesNotExist();
    assertThat(root.resolve("unified/poc")).as("the empty parent went too").doesNotExist();
  }

  @Test
  void aGroupThatWillNotEmptyIsGivenUpOnAfterBoundedRounds(@TempDir Path root) throws Exception {
    Path stuck = Files.createDirectories(root.resolve("poc/stuck"));
    Files.writeString(stuck.resolve("pinned"), "x"); // rmdir fails as it would with processes inside
    AtomicInteger kills = new AtomicInteger();
    long t0 = System.nanoTime();
    assertThat(GroupRemoval.remove(List.of(stuck), kills::incrementAndGet)).isFalse();
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.println("gave up after " + kills.get() + " kill rounds in " + ms + " ms");
    assertThat(kills.get()).as("one kill per round, never a busy loop").isEqualTo(GroupRemoval.ROUNDS);
    assertThat(ms).as("the pauses between rounds add up").isGreaterThanOrEqualTo(1000);
  }

  @Test
  void cpuSharesMapOntoWeights() {
    assertThat(CgroupV2.weight(2)).isEqualTo(1);
    assertThat(CgroupV2.weight(1024)).isEqualTo(100);
    assertThat(CgroupV2.weight(262_144)).isEqualTo(10_000);
    assertThat(CgroupV2.weight(512)).isBetween(2L, 99L);
    assertThat(CgroupV2.weight(2048)).isBetween(101L, 9_999L);
  }
}
