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
 */
public record GroupTuning(OptionalLong cpuQuota, OptionalLong cpuPeriod, String cpusetCpus, String cpusetMems,
    Optional<List<DeviceRule>> devices) {

  /** Nothing beyond {@link dev.poc.Resources}. */
  public static final GroupTuning NONE = new GroupTuning(OptionalLong.empty(), OptionalLong.empty(), "", "", Optional.empty());

  public GroupTuning {
    devices = devices.map(List::copyOf);
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
