package dev.poc.cgroup;

import dev.poc.PocException;
import dev.poc.host.Mounts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Where each cgroup controller lives on this host, read from {@code /proc/self/mountinfo} (which
 * hierarchies are mounted where, and which v1 controllers each carries), {@code /proc/cgroups}
 * (which controllers the kernel has enabled) and the unified root's {@code cgroup.controllers}.
 * Three shapes occur: pure v1, pure v2, and the hybrid of v1 controllers plus a cgroup2 mount
 * (often at /sys/fs/cgroup/unified) that carries none of them.
 */
public final class CgroupLayout {
  /** The v1 controllers poc puts a container in. */
  static final List<String> V1_USED = List.of("cpu", "cpuacct", "memory", "pids", "devices");
  /**
   * Also used on a host without a unified hierarchy, whose {@code cgroup.freeze} otherwise pauses
   * a container (poc-oci's pause): there a v1 freezer group is the only way.
   */
  static final String V1_FREEZER = "freezer";
  /** Used only for a group whose tuning asks for a cpuset ({@link CgroupV1#CPUSET}). */
  static final String V1_CPUSET = "cpuset";
  /** Used only for a group whose tuning writes blkio files ({@link CgroupV1#BLKIO}). */
  static final String V1_BLKIO = "blkio";
  /** Used only for a group whose tuning writes hugetlb files ({@link CgroupV1#HUGETLB}). */
  static final String V1_HUGETLB = "hugetlb";

  private final Map<String, Path> v1;
  private final Optional<Path> unified;
  private final Set<String> unifiedControllers;

  private CgroupLayout(Map<String, Path> v1, Optional<Path> unified, Set<String> unifiedControllers) {
    this.v1 = Collections.unmodifiableMap(v1);
    this.unified = unified;
    this.unifiedControllers = Collections.unmodifiableSet(unifiedControllers);
  }

  /** This host's layout. */
  public static CgroupLayout detect() {
    try {
      return parse(Files.readString(Path.of("/proc/self/mountinfo")), readOrEmpty(Path.of("/proc/cgroups")),
          root -> readOrEmpty(root.resolve("cgroup.controllers")));
    } catch (IOException e) {
      throw new PocException("cannot read /proc/self/mountinfo to find the cgroup hierarchies: " + e.getMessage(), e);
    }
  }

  /**
   * The layout described by a mountinfo text, a /proc/cgroups text, and {@code controllersOf}, which
   * gives the {@code cgroup.controllers} text of a cgroup2 mount point.
   */
  static CgroupLayout parse(String mountinfo, String procCgroups, Function<Path, String> controllersOf) {
    Set<String> enabled = enabledControllers(procCgroups);
    Map<String, Path> v1 = new TreeMap<>();
    Map<String, Boolean> v1AtRoot = new LinkedHashMap<>();
    Path unified = null;
    for (Mounts.Entry m : Mounts.parseAll(Arrays.asList(mountinfo.split("\n")))) {
      boolean atRoot = m.root().equals("/");
      if (m.fsType().equals("cgroup2") && unified == null) {
        unified = m.mountPoint();
      } else if (m.fsType().equals("cgroup")) {
        for (String option : m.superOptions()) {
          boolean known = enabled.isEmpty() ? V1_USED.contains(option) : enabled.contains(option);
          // a bind of a sub-group is used only while no mount of the hierarchy's root is known
          boolean used = V1_USED.contains(option) || option.equals(V1_FREEZER) || option.equals(V1_CPUSET)
              || option.equals(V1_BLKIO) || option.equals(V1_HUGETLB);
          if (known && used && (!v1.containsKey(option) || (atRoot && !v1AtRoot.get(option)))) {
            v1.put(option, m.mountPoint());
            v1AtRoot.put(option, atRoot);
          }
        }
      }
    }
    if (unified != null) {
      v1.remove(V1_FREEZER); // the unified group's cgroup.freeze pauses: no group more per start
    }
    Set<String> onUnified = new LinkedHashSet<>();
    if (unified != null) {
      onUnified.addAll(Arrays.asList(controllersOf.apply(unified).trim().split("\\s+")));
      onUnified.remove("");
      onUnified.removeAll(v1.keySet()); // a controller is bound to one hierarchy; v1 wins if both claim it
    }
    return new CgroupLayout(v1, Optional.ofNullable(unified), onUnified);
  }

  private static Set<String> enabledControllers(String procCgroups) {
    Set<String> names = new HashSet<>();
    for (String line : procCgroups.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 4 && !f[0].startsWith("#") && f[3].equals("1")) {
        names.add(f[0]);
      }
    }
    return names;
  }

  private static String readOrEmpty(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "";
    }
  }

  /** v1 controller to the mount point of its hierarchy. */
  public Map<String, Path> v1() {
    return v1;
  }

  /** The cgroup2 mount point, if any. */
  public Optional<Path> unified() {
    return unified;
  }

  /** The controllers the cgroup2 root offers. */
  Set<String> unifiedControllers() {
    return unifiedControllers;
  }

  /**
   * The drivers this layout needs: v2 alone, v1 alone, or both (hybrid), the unified one first.
   * With no hierarchy mounted the result drives nothing, and starting a container says so.
   */
  Cgroups drivers() {
    List<Cgroups> drivers = new ArrayList<>();
    unified.ifPresent(root -> {
      CgroupV2 v2 = new CgroupV2(root, unifiedControllers, !v1.containsKey("devices"));
      // CombinedCgroups reads v1 after v2: where v1 reads CPU time and pids, v2's would be overwritten
      drivers.add(v1.containsKey("cpuacct") && v1.containsKey("pids") ? v2.figuresFromV1() : v2);
    });
    if (!v1.isEmpty()) {
      drivers.add(new CgroupV1(v1));
    }
    return drivers.size() == 1 ? drivers.get(0) : new CombinedCgroups(drivers);
  }

  @Override
  public String toString() {
    return "CgroupLayout[v1=" + v1 + ", unified=" + unified.map(Path::toString).orElse("none")
        + ", unifiedControllers=" + unifiedControllers + "]";
  }

}
