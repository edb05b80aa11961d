package dev.poc.cgroup;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a group sets beyond {@link dev.poc.Resources}, in the OCI runtime spec's own units (poc-oci's
 * {@code linux.resources}): the CFS quota and period as given (not as a fraction of a core), the
 * cpuset, and the device rules in order. {@link #NONE} for poc's own containers.
 *
 * @param cpuQuota {@code cpu.cfs_quota_us} (v2: the first number of {@code cpu.max})
 * @param cpuPeriod {@code cpu.cfs_period_us} (v2: the second number of {@code cpu.max})
 * @param cpusetCpus {@code cpuset.cpus}, "" to inherit the parent's
 * @param cpusetMems {@code cpuset.mems}, "" to inherit the parent's
 * @param devices the device cgroup rules in the config's order, applied after poc's "deny all" and
 *     before the allows of the nodes poc makes in every /dev; empty for poc's own list alone
 * @param v1Files values written as given to cgroup v1 files (blkio's weights and throttles,
 *     memory's soft limit, memory+swap, swappiness, OOM killer and TCP buffer limit, hugetlb's
 *     limits), in order; the blkio and hugetlb hierarchies are joined only for these
 */
public record GroupTuning(OptionalLong cpuQuota, OptionalLong cpuPeriod, String cpusetCpus, String cpusetMems,
    Optional<List<DeviceRule>> devices, List<V1File> v1Files) {

  /** Nothing beyond {@link dev.poc.Resources}. */
  public static final GroupTuning NONE = new GroupTuning(OptionalLong.empty(), OptionalLong.empty(), "", "", Optional.empty());

  public GroupTuning {
    devices = devices.map(List::copyOf);
    v1Files = List.copyOf(v1Files);
  }

  /** Without v1 files. */
  public GroupTuning(OptionalLong cpuQuota, OptionalLong cpuPeriod, String cpusetCpus, String cpusetMems,
      Optional<List<DeviceRule>> devices) {
    this(cpuQuota, cpuPeriod, cpusetCpus, cpusetMems, devices, List.of());
  }

  /** The v1 controllers {@link #v1Files} write to. */
  java.util.Set<String> v1Controllers() {
    java.util.Set<String> c = new java.util.TreeSet<>();
    v1Files.forEach(f -> c.add(f.controller()));
    return c;
  }

  /**
   * One value for a cgroup v1 interface file, and the config field it comes from (an error names it).
   *
   * @param controller the v1 controller, {@code blkio} or {@code memory}
   * @param file the interface file in the group, {@code blkio.weight} say
   * @param value what is written (one write per value, as the kernel takes one rule per write)
   * @param field the field it comes from, {@code linux.resources.blockIO.weight} say
   * @param required whether a host without the controller or the file refuses the start; when
   *     false the value is written where both exist and left out elsewhere (OCI's swap, which
   *     cgroup v2 and a kernel without swap accounting leave at no swap on top of the limit)
   */
  public record V1File(String controller, String file, String value, String field, boolean required) {

    /** A value the start needs: a host without the controller or the file refuses it. */
    public V1File(String controller, String file, String value, String field) {
      this(controller, file, value, field, true);
    }
  }

  /** Whether a cpuset group is wanted (cpus or mems given). */
  boolean wantsCpuset() {
    return !cpusetCpus.isEmpty() || !cpusetMems.isEmpty();
  }

  /**
   * One device cgroup rule, as {@code linux.resources.devices[]} gives it.
   *
   * @param allow allow (true) or deny
   * @param type {@code a} (all), {@code c} or {@code b}
   * @param major the major number, -1 for any
   * @param minor the minor number, -1 for any
   * @param access some of {@code r}, {@code w}, {@code m}
   */
  public record DeviceRule(boolean allow, char type, long major, long minor, String access) {

    /** As cgroup v1's devices.allow and devices.deny take it: {@code c 1:3 rwm}, {@code a *:* rwm}. */
    public String v1() {
      return type + " " + (major < 0 ? "*" : Long.toString(major)) + ":" + (minor < 0 ? "*" : Long.toString(minor)) + " " + access;
    }
  }
}
