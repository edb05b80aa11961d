package dev.poc.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Finding where each controller lives, from mountinfo and /proc/cgroups samples. */
class CgroupLayoutTest {
  /** This machine: v1 controllers, plus a cgroup2 mount that offers only hugetlb. */
  static final String HYBRID_MOUNTINFO = """
      23 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime - sysfs sysfs rw
      31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
      32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
      33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
      34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
      35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
      36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
      37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
      38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
      39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
      40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
      41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
      """;
  static final String HYBRID_CGROUPS = """
      #subsys_name	hierarchy	num_cgroups	enabled
      cpuset	3	1	1
      cpu	1	1	1
      cpuacct	2	1	1
      blkio	7	1	1
      memory	4	23	1
      devices	5	1	1
      freezer	6	1	1
      net_cls	0	1	1
      perf_event	0	1	1
      net_prio	0	1	1
      hugetlb	0	1	1
      pids	8	1	1
      """;

  /** A systemd host on cgroup v2 only. */
  static final String V2_MOUNTINFO = """
      22 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
      26 22 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
      """;
  static final String V2_CGROUPS = """
      #subsys_name	hierarchy	num_cgroups	enabled
      cpuset	0	120	1
      cpu	0	120	1
      cpuacct	0	120	1
      blkio	0	120	1
      memory	0	120	1
      devices	0	120	1
      pids	0	120	1
      """;

  /** An older host on v1 only, cpu and cpuacct co-mounted, a mount point with a space. */
  static final String V1_MOUNTINFO = """
      25 20 0:23 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
      26 25 0:24 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,xattr,release_agent=/usr/lib/systemd/systemd-cgroups-agent,name=systemd
      29 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,cpu,cpuacct
      30 25 0:28 / /sys/fs/cgroup/my\\040memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,memory
      31 25 0:29 /sub /mnt/pids-sub rw,relatime shared:15 - cgroup cgroup rw,pids
      32 25 0:29 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,pids
      33 25 0:30 / /sys/fs/cgroup/devices rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,devices
      34 25 0:31 / /sys/fs/cgroup/blkio rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,blkio
      """;
  static final String V1_CGROUPS = """
      #subsys_name	hierarchy	num_cgroups	enabled
      cpuset	0	1	1
      cpu	2	80	1
      cpuacct	2	80	1
      blkio	6	80	1
      memory	3	90	1
      devices	5	80	1
      pids	4	80	1
      """;

  @Test
  void hybridDrivesV1ControllersAndKeepsTheUnifiedMountForTracking() {
    CgroupLayout l = CgroupLayout.parse(HYBRID_MOUNTINFO, HYBRID_CGROUPS, root -> "hugetlb\n");
    assertThat(l.v1()).containsOnly(
        Map.entry("cpu", Path.of("/sys/fs/cgroup/cpu")),
        Map.entry("cpuacct", Path.of("/sys/fs/cgroup/cpuacct")),
        Map.entry("memory", Path.of("/sys/fs/cgroup/memory")),
        Map.entry("pids", Path.of("/sys/fs/cgroup/pids")),
        Map.entry("devices", Path.of("/sys/fs/cgroup/devices")),
        Map.entry("cpuset", Path.of("/sys/fs/cgroup/cpuset")), // joined only when a group asks for a cpuset
        Map.entry("blkio", Path.of("/sys/fs/cgroup/blkio"))); // and blkio when it writes blkio files
    assertThat(l.unified()).contains(Path.of("/sys/fs/cgroup/unified"));
    assertThat(l.unifiedControllers()).containsExactly("hugetlb");

    Cgroups d = l.drivers();
    assertThat(d).isInstanceOf(CombinedCgroups.class);
    assertThat(((CombinedCgroups) d).drivers()).hasExactlyElementsOfTypes(CgroupV2.class, CgroupV1.class);
    assertThat(((CombinedCgroups) d).drivers().get(0).controllers()).as("nothing poc uses is on the unified mount").isEmpty();
    assertThat(d.controllers()).containsExactlyInAnyOrder("cpu", "cpuacct", "memory", "pids", "devices");
    // v1's cpuacct and pids read the figures: the unified group's files (absent here) are not read at all
    dev.poc.ContainerStats.Builder figures = dev.poc.ContainerStats.builder();
    try {
      ((CombinedCgroups) d).drivers().get(0).readStats("t0", figures);
    } catch (java.io.IOException e) {
      throw new AssertionError("the unified driver read " + e.getMessage(), e);
    }
    assertThat(d.dirs("t0")).containsExactly(
        Path.of("/sys/fs/cgroup/unified/poc/t0"),
        Path.of("/sys/fs/cgroup/cpu/poc/t0"),
        Path.of("/sys/fs/cgroup/cpuacct/poc/t0"),
        Path.of("/sys/fs/cgroup/devices/poc/t0"),
        Path.of("/sys/fs/cgroup/memory/poc/t0"),
        Path.of("/sys/fs/cgroup/pids/poc/t0"));
    assertThat(d.offersCpuset()).isTrue();
    assertThat(d.placesOf("t0")).as("where a group asking for a cpuset has one too")
        .endsWith(Path.of("/sys/fs/cgroup/cpuset/poc/t0"));
    assertThat(d.describe()).isEqualTo("cgroup2 at /sys/fs/cgroup/unified (no controllers poc uses)"
        + " + cgroup v1 (cpu, cpuacct, devices, memory, pids)");
  }

  @Test
  void pureV2DrivesEverythingThroughTheUnifiedHierarchy() {
    CgroupLayout l = CgroupLayout.parse(V2_MOUNTINFO, V2_CGROUPS, root -> {
      assertThat(root).isEqualTo(Path.of("/sys/fs/cgroup"));
      return "cpuset cpu io memory hugetlb pids rdma misc\n";
    });
    assertThat(l.v1()).isEmpty();
    assertThat(l.unified()).contains(Path.of("/sys/fs/cgroup"));
    Cgroups d = l.drivers();
    assertThat(d).isInstanceOf(CgroupV2.class);
    assertThat(d.controllers()).containsExactly("cpu", "memory", "pids");
    assertThat(d.dirs("t0")).containsExactly(Path.of("/sys/fs/cgroup/poc/t0"));
  }

  @Test
  void pureV1SharesCoMountedHierarchiesAndPrefersRootMounts() {
    CgroupLayout l = CgroupLayout.parse(V1_MOUNTINFO, V1_CGROUPS, root -> {
      throw new AssertionError("no cgroup2 mount to read");
    });
    assertThat(l.unified()).isEmpty();
    assertThat(l.v1()).containsOnly(
        Map.entry("cpu", Path.of("/sys/fs/cgroup/cpu,cpuacct")),
        Map.entry("cpuacct", Path.of("/sys/fs/cgroup/cpu,cpuacct")),
        Map.entry("memory", Path.of("/sys/fs/cgroup/my memory")),
        Map.entry("pids", Path.of("/sys/fs/cgroup/pids")),
        Map.entry("devices", Path.of("/sys/fs/cgroup/devices")),
        Map.entry("blkio", Path.of("/sys/fs/cgroup/blkio")));
    Cgroups d = l.drivers();
    assertThat(d).isInstanceOf(CgroupV1.class);
    assertThat(d.dirs("t0")).as("one directory per hierarchy, not per controller").containsExactly(
        Path.of("/sys/fs/cgroup/cpu,cpuacct/poc/t0"),
        Path.of("/sys/fs/cgroup/devices/poc/t0"),
        Path.of("/sys/fs/cgroup/my memory/poc/t0"),
        Path.of("/sys/fs/cgroup/pids/poc/t0"));
  }

  @Test
  void aFreezerGroupOnlyWhereNoUnifiedHierarchyCanFreeze() {
    String withFreezer = V1_MOUNTINFO + "35 25 0:32 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n";
    String cgroups = V1_CGROUPS + "freezer\t7\t1\t1\n";
    assertThat(CgroupLayout.parse(withFreezer, cgroups, root -> "").v1())
        .containsEntry("freezer", Path.of("/sys/fs/cgroup/freezer"));
    assertThat(CgroupLayout.parse(HYBRID_MOUNTINFO, HYBRID_CGROUPS, root -> "hugetlb\n").v1())
        .as("the hybrid's unified mount freezes").doesNotContainKey("freezer");
  }

  @Test
  void disabledControllersAreLeftOut() {
    String cgroups = V1_CGROUPS.replace("memory\t3\t90\t1", "memory\t3\t90\t0");
    CgroupLayout l = CgroupLayout.parse(V1_MOUNTINFO, cgroups, root -> "");
    assertThat(l.v1()).doesNotContainKey("memory").containsKey("pids");
  }

  @Test
  void aHostWithoutCgroupsDrivesNothing() {
    CgroupLayout l = CgroupLayout.parse("22 1 0:21 / /sys rw - sysfs sysfs rw\n", "", root -> "");
    Cgroups d = l.drivers();
    assertThat(d.dirs("t0")).isEmpty();
    assertThat(d.controllers()).isEmpty();
    assertThat(d.describe()).isEqualTo("no cgroup hierarchy");
  }

  @Test
  void thisMachineIsRead() {
    CgroupLayout l = CgroupLayout.detect();
    System.out.println("this machine: " + l);
    assertThat(l.v1().isEmpty() && l.unified().isEmpty()).as("some cgroup hierarchy is mounted").isFalse();
  }
}
