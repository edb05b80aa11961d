package dev.poc.cgroup;

import dev.poc.ContainerStats;
import dev.poc.Resources;
import dev.poc.spi.HelperPlan;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * How poc drives one kind of cgroup hierarchy: {@link CgroupV1} (one directory per controller) or
 * {@link CgroupV2} (the unified hierarchy). A group is named by its path relative to the hierarchy
 * roots, {@code poc/NAME} ({@link #under} gives a driver of another parent). {@link #detect()} picks the drivers this host needs; on a hybrid host
 * that is both, each driving the controllers that live in it.
 *
 * <p>Implementations are stateless per group and safe to use from several threads.
 */
public interface Cgroups {
  /** The parent group of every container's group. */
  String PARENT = "poc";

  /** The drivers for this host, combined into one. */
  static Cgroups detect() {
    return CgroupLayout.detect().drivers();
  }

  /**
   * This driver for groups under {@code parent} (relative to each hierarchy's root, "" for the root
   * itself) instead of {@link #PARENT}; ancestors missing are made by {@link #create}.
   */
  Cgroups under(String parent);

  /** The parent of this driver's groups, relative to each hierarchy's root. */
  String parent();

  /** What this is and where, for messages: "cgroup v1 (cpu, memory ...)". */
  String describe();

  /** The controllers this driver limits and reads (cpu, cpuacct, memory, pids, devices). */
  Set<String> controllers();

  /** The group's directory in each hierarchy this driver uses. */
  List<Path> dirs(String name);

  /**
   * {@link #dirs}, and where the group has a directory only when its tuning asks for one (the v1
   * cpuset hierarchy): every place a group of this name may have.
   */
  default List<Path> placesOf(String name) {
    return dirs(name);
  }

  /** Whether this host has a v1 hierarchy of {@code controller} ({@link GroupTuning#v1Files} write there). */
  default boolean offersV1(String controller) {
    return false;
  }

  /** Whether a group can be given a cpuset ({@link GroupTuning#cpusetCpus}); joined only then. */
  default boolean offersCpuset() {
    return false;
  }

  /**
   * Creates {@code PARENT/NAME} (and the parent's missing ancestors); on failure the group is not left.
   *
   * @throws java.nio.file.FileAlreadyExistsException when the group exists already
   */
  void create(String name) throws IOException;

  /** Writes the limits that fall to this driver's controllers; a new group has none. */
  default void limit(String name, Resources limits) throws IOException {
    limit(name, limits, GroupTuning.NONE);
  }

  /**
   * As {@link #limit(String, Resources)}, then what {@code tuning} asks beyond the Resources (a
   * cpuset group is made here, in the v1 cpuset hierarchy, only when it asks for one).
   */
  void limit(String name, Resources limits, GroupTuning tuning) throws IOException;

  /**
   * Tells the container's init to enter the group by itself ({@code cgjoin}/{@code cgborn} in its
   * plan), which spares the start the RCU grace period a move by pid costs.
   */
  void planEntry(String name, HelperPlan plan);

  /**
   * Whether the group may be made after the init is cloned, while it builds its root: the init then
   * joins it by {@link #planLateEntry} (a v1 tasks file, opened through the hierarchy's root). Not
   * cgroup v2's group, which the init is born in: that one must exist before the clone.
   */
  default boolean madeLater() {
    return false;
  }

  /**
   * As {@link #planEntry}, for a group that {@link #madeLater} makes only after the plan is sent; a
   * driver that cannot do that plans its entry as usual (its group must then exist before the clone).
   */
  default void planLateEntry(String name, HelperPlan plan) {
    planEntry(name, plan);
  }

  /** The drivers this one is made of: itself, or the parts of a hybrid host's combination. */
  default List<Cgroups> parts() {
    return List.of(this);
  }

  /**
   * Moves process {@code pid} (and its threads) into the group from outside, as a process joining
   * a running container must be. Slower than {@link #planEntry}: it waits for a grace period.
   */
  void place(String name, int pid) throws IOException;

  /** Adds the figures of this driver's controllers to {@code into}. */
  void readStats(String name, ContainerStats.Builder into) throws IOException;

  /**
   * Kills every process left in the group and removes it. Waits a bounded time, backing off; true
   * when the group is gone. The shared parent stays: it is set up once, not at every start.
   */
  boolean remove(String name);

  /**
   * What {@link #remove} goes through, driver by driver in its order: for a process that removes the
   * group without a JVM (poc-oci's native front), so that it removes exactly what this would.
   */
  List<GroupDirs> removalOrder(String name);

  /** Removes the shared parent {@code poc/} where no group is left in it (prune, a failed create). */
  void removeParentIfEmpty();

  /** The names of the container groups under {@code poc/} (for prune). */
  Set<String> groups() throws IOException;
}
