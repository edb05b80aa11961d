package dev.poc.cgroup;

import dev.poc.ContainerStats;
import dev.poc.NameInUseException;
import dev.poc.NotFoundException;
import dev.poc.PocException;
import dev.poc.Resources;
import dev.poc.StartFailedException;
import dev.poc.launch.InitBinary;
import dev.poc.spi.CgroupStrategy;
import dev.poc.spi.IdMapping;
import dev.poc.spi.StartContext;
import dev.poc.state.NameLock;
import dev.poc.state.RunState;
import com.google.common.base.Suppliers;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.function.Function;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts every container in its own cgroup {@code poc/NAME} in each hierarchy (or where a
 * {@link CgroupPlacement} says, for poc-oci's {@code cgroupsPath}), with the spec's limits
 * written before the command is forked. The init enters the groups itself before it reports
 * READY (born in the v2 group, moving itself into the v1 ones), so the command, forked after GO,
 * is born inside. Per start: one mkdir per hierarchy, one write per limit, one write per v1
 * hierarchy by the init; no process is spawned, and no move by pid (which would wait for an RCU
 * grace period, several milliseconds).
 *
 * <p>For {@code poc/NAME}, only the group the init is born in (v2's) is made before the helper
 * clones; the v1 groups and every limit are made while the init builds its root
 * ({@link CgroupAttachment#onCreated}), which takes their half millisecond off a start. The init
 * joins the v1 groups only after that (JOIN), before READY. (Made while the helper clones, they
 * slowed the clone down by as much: both take the cgroup mutex, on two cores.) A placed group
 * (poc-oci), whose tuning may ask for hierarchies its entry must know of, and the group of a
 * container in a user namespace of its own, which cannot open the host's files itself, are made
 * whole before the clone.
 */
public final class CgroupSetup implements CgroupStrategy {
  private static final Logger LOG = LoggerFactory.getLogger(CgroupSetup.class);
  private static final Supplier<Cgroups> HOST = Suppliers.memoize(Cgroups::detect);

  /** In a run directory: where a placed container's group is and which ancestors its start made. */
  static final String RECORD = "cgroup-placement";

  private final Supplier<Cgroups> cgroups;
  private final Function<String, CgroupPlacement> placements;

  /** On this host's hierarchies, found once per JVM. */
  public CgroupSetup() {
    this(HOST);
  }

  public CgroupSetup(Supplier<Cgroups> cgroups) {
    this(cgroups, CgroupPlacement::standard);
  }

  private CgroupSetup(Supplier<Cgroups> cgroups, Function<String, CgroupPlacement> placements) {
    this.cgroups = cgroups;
    this.placements = placements;
  }

  /**
   * This setup, with container {@code name} put at {@code placement} (poc-oci's
   * {@code linux.cgroupsPath} and the settings beyond Resources) instead of {@code poc/NAME}. The
   * placement is recorded in the run directory, so any runtime's reclaim removes that group, and
   * the ancestors the start made, and no other.
   */
  public CgroupSetup placing(String name, CgroupPlacement placement) {
    Function<String, CgroupPlacement> before = placements;
    return new CgroupSetup(cgroups, n -> n.equals(name) ? placement : before.apply(n));
  }

  @Override
  public CgroupAttachment prepare(StartContext ctx) throws IOException {
    String name = ctx.name();
    CgroupPlacement where = placements.apply(name);
    Cgroups cg = where.isStandard() ? cgroups.get() : cgroups.get().under(where.parent());
    String leaf = where.leaf();
    Resources limits = ctx.spec().resources();
    requireControllers(cg, name, limits, where.tuning());
    // In a user namespace of its own, the init could not open a tasks file (host root's) itself: the
    // outer opens it before the clone, so that group is made whole before it.
    if (where.isStandard() && where.tuning().equals(GroupTuning.NONE) && ctx.fact(IdMapping.class) == null) {
      return prepareStandard(ctx, cg, name, limits);
    }
    List<Path> missing = where.isStandard() ? List.of() : missingAncestors(cg, where);
    try {
      if (where.isStandard()) {
        createFresh(cg, cg, name);
      } else {
        createPlaced(cg, name, where);
      }
    } catch (IOException | RuntimeException e) {
      removeAncestors(missing);
      if (e instanceof PocException p) {
        throw p;
      }
      throw new StartFailedException("starting container '" + name + "' failed at creating its cgroup "
          + where.path() + " (" + cg.describe() + "): " + e.getMessage(), e);
    }
    List<Path> made = missing.stream().filter(Files::isDirectory).toList();
    try {
      cg.limit(leaf, limits, where.tuning());
      made = missing.stream().filter(Files::isDirectory).toList(); // with the cpuset levels limit made
      if (!where.isStandard()) {
        record(ctx.runDir(), where, made);
      }
    } catch (IOException | RuntimeException e) {
      cg.remove(leaf);
      removeAncestors(missing);
      throw new StartFailedException("starting container '" + name + "' failed at writing its cgroup limits: "
          + e.getMessage(), e);
    }
    cg.planEntry(leaf, ctx.plan());
    return new CgroupAttachment(cg, leaf, made);
  }

  /**
   * {@code poc/NAME}: the part the init is born in now, the rest (and every limit) in the
   * attachment's {@code onCreated}, while the init builds its root. A failure there fails the start
   * with the same error as here; the launcher then kills the init and closes the attachment, which
   * removes whatever was made.
   */
  private CgroupAttachment prepareStandard(StartContext ctx, Cgroups cg, String name, Resources limits)
      throws IOException {
    Cgroups atClone = new CombinedCgroups(cg.parts().stream().filter(d -> !d.madeLater()).toList());
    Cgroups later = new CombinedCgroups(cg.parts().stream().filter(Cgroups::madeLater).toList());
    createOrFail(cg, atClone, name);
    atClone.planEntry(name, ctx.plan());
    later.planLateEntry(name, ctx.plan());
    return new CgroupAttachment(cg, name, List.of(), () -> {
      createOrFail(later, later, name);
      try {
        cg.limit(name, limits);
      } catch (IOException | RuntimeException e) {
        throw new StartFailedException("starting container '" + name + "' failed at writing its cgroup limits: "
            + e.getMessage(), e);
      }
    });
  }

  /** {@link #createFresh} of {@code make}'s groups, a left-over group looked for in {@code cg}'s. */
  private static void createOrFail(Cgroups cg, Cgroups make, String name) {
    try {
      createFresh(cg, make, name);
    } catch (IOException | RuntimeException e) {
      if (e instanceof PocException p) {
        throw p;
      }
      throw new StartFailedException("starting container '" + name + "' failed at creating its cgroup "
          + Cgroups.PARENT + "/" + name + " (" + cg.describe() + "): " + e.getMessage(), e);
    }
  }

  /**
   * A placed group is the container's own: an empty one there already (an engine may make it
   * first) is made anew; one with processes or groups inside (another container's) is never taken
   * over nor emptied.
   */
  private static void createPlaced(Cgroups cg, String name, CgroupPlacement where) throws IOException {
    try {
      cg.create(where.leaf());
    } catch (FileAlreadyExistsException e) {
      for (Path dir : cg.dirs(where.leaf())) {
        if (!CgroupFs.procs(dir).isEmpty() || CgroupFs.rmdir(dir) != 0) {
          throw new NameInUseException("container '" + name + "': its cgroup " + where.path() + " (linux.cgroupsPath) "
              + "exists already and is in use (" + dir + " holds processes or groups): poc puts each container in a "
              + "group of its own; delete the container that uses it or give another path");
        }
      }
      cg.create(where.leaf());
    }
  }

  /** The ancestors of the group (deepest first, per hierarchy) that do not exist yet. */
  private static List<Path> missingAncestors(Cgroups cg, CgroupPlacement where) {
    int depth = where.parent().isEmpty() ? 0 : where.parent().split("/").length;
    List<Path> missing = new ArrayList<>();
    for (Path dir : cg.placesOf(where.leaf())) {
      Path a = dir.getParent();
      for (int i = 0; i < depth && a != null; i++, a = a.getParent()) {
        if (!Files.exists(a)) {
          missing.add(a);
        }
      }
    }
    return missing;
  }

  /** rmdir of each, deepest first; one another container still uses stays (EBUSY, ENOTEMPTY). */
  private static void removeAncestors(List<Path> made) {
    made.forEach(CgroupFs::rmdir);
  }

  private static void record(Path runDir, CgroupPlacement where, List<Path> made) throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add(where.parent());
    lines.add(where.leaf());
    made.forEach(p -> lines.add(p.toString()));
    Files.write(runDir.resolve(RECORD), lines);
  }

  /**
   * Makes {@code make}'s part of the group (all of {@code cg}'s, or some); one left by a crashed run
   * elsewhere is emptied and removed first.
   */
  private static void createFresh(Cgroups cg, Cgroups make, String name) throws IOException {
    try {
      make.create(name);
    } catch (FileAlreadyExistsException e) {
      // the caller holds the host-wide name lock, which a detached container's JVM gave up on exit
      if (runByLiveHelper(cg, name)) {
        throw new NameInUseException("container '" + name + "' already runs detached, started under another state"
            + " root (its cgroup " + Cgroups.PARENT + "/" + name + " holds it): stop it there (poc stop " + name
            + " --state-root DIR) or pick another name");
      }
      LOG.info("removing cgroup {}/{} left by a run that is gone", Cgroups.PARENT, name);
      if (!make.remove(name)) {
        throw new IOException("it exists already, left by an earlier run, and its processes could not be killed: "
            + "kill them (see " + make.dirs(name).get(0).resolve("cgroup.procs") + ") and start again");
      }
      make.create(name);
    }
  }

  private static void requireControllers(Cgroups cg, String name, Resources limits, GroupTuning tuning) {
    if (cg.dirs(name).isEmpty()) {
      throw new StartFailedException("starting container '" + name + "': no cgroup hierarchy is mounted "
          + "(see /proc/self/mountinfo): mount cgroup2 on /sys/fs/cgroup, or the v1 cpu, memory and pids controllers");
    }
    missing(cg, name, "memory", limits.memoryBytes().isPresent(), "memory limit");
    missing(cg, name, "cpu", limits.cpus().isPresent(), "cpus limit");
    missing(cg, name, "cpu", limits.cpuShares().isPresent(), "cpu shares");
    missing(cg, name, "pids", limits.pids().isPresent(), "pids limit");
    missing(cg, name, "cpu", tuning.cpuQuota().isPresent() || tuning.cpuPeriod().isPresent(), "CFS quota or period");
    if (tuning.wantsCpuset() && !cg.offersCpuset()) {
      throw new StartFailedException("container '" + name + "' asks for a cpuset (cpus or mems), but this host offers "
          + "no v1 cpuset hierarchy (" + cg.describe() + "; poc does not drive cgroup v2's cpuset yet): drop them");
    }
    for (GroupTuning.V1File f : tuning.v1Files()) {
      if (f.required() && !cg.offersV1(f.controller())) {
        throw new StartFailedException("container '" + name + "' asks for " + f.field() + " (" + f.file() + "), but this "
            + "host offers no cgroup v1 " + f.controller() + " hierarchy (" + cg.describe() + "; poc writes it on v1 only): "
            + "drop the field");
      }
    }
  }

  private static void missing(Cgroups cg, String name, String controller, boolean wanted, String what) {
    if (wanted && !cg.controllers().contains(controller)) {
      throw new StartFailedException("container '" + name + "' asks for a " + what + ", but this host offers no "
          + controller + " cgroup controller (" + cg.describe() + "): enable it in the kernel or drop the limit");
    }
  }

  /** The current figures of a running container's group, read through the host's drivers. */
  @Override
  public ContainerStats stats(String name) {
    ContainerStats.Builder b = ContainerStats.builder();
    try {
      cgroups.get().readStats(name, b);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new NotFoundException("container '" + name + "' ended while its figures were read from cgroup "
          + Cgroups.PARENT + "/" + name + ": see `poc ps`");
    } catch (IOException e) {
      throw new PocException("reading the figures of container '" + name + "' from cgroup " + Cgroups.PARENT + "/"
          + name + " failed: " + e.getMessage(), e);
    }
    return b.build();
  }

  /** The group of a placed container (from its run directory's record), else {@code poc/NAME}. */
  @Override
  public void reclaim(String name, Path runDir) throws IOException {
    Path file = runDir.resolve(RECORD);
    if (!Files.isRegularFile(file)) {
      cgroups.get().remove(name);
      return;
    }
    List<String> lines = Files.readAllLines(file);
    if (lines.size() < 2) {
      LOG.warn("{} holds no cgroup placement: removing the group at poc/{}", file, name);
      cgroups.get().remove(name);
      return;
    }
    cgroups.get().under(lines.get(0)).remove(lines.get(1));
    removeAncestors(lines.subList(2, lines.size()).stream().map(Path::of).toList());
  }

  /**
   * The directories {@link #reclaim} removes, driver by driver, as {@link Cgroups#removalOrder} says,
   * for the group where this setup puts container {@code name}; the ancestors a placed group's start
   * made are not among them ({@link #ancestorsMade}).
   */
  public List<GroupDirs> removalOrder(String name) {
    CgroupPlacement where = placements.apply(name);
    Cgroups cg = where.isStandard() ? cgroups.get() : cgroups.get().under(where.parent());
    return cg.removalOrder(where.leaf());
  }

  /**
   * The ancestors of a placed container's group that its start made (recorded in its run
   * directory), which {@link #reclaim} removes after the group where empty; none for {@code poc/NAME}.
   */
  public static List<Path> ancestorsMade(Path runDir) throws IOException {
    Path file = runDir.resolve(RECORD);
    if (!Files.isRegularFile(file)) {
      return List.of();
    }
    List<String> lines = Files.readAllLines(file);
    return lines.size() <= 2 ? List.of() : lines.subList(2, lines.size()).stream().map(Path::of).toList();
  }

  /**
   * Removes every {@code poc/NAME} group no container owns: its name is free and no helper of a
   * detached container (of any state root) runs it.
   */
  @Override
  public void prune() throws IOException {
    Cgroups cg = cgroups.get();
    for (String name : cg.groups()) {
      Optional<NameLock> lock = NameLock.tryAcquire(name);
      if (lock.isPresent()) {
        try (NameLock held = lock.get()) {
          if (runByLiveHelper(cg, name)) {
            LOG.debug("prune keeps cgroup {}/{}: a detached container runs in it", Cgroups.PARENT, name);
            continue;
          }
          cg.remove(name);
        }
      }
    }
    cg.removeParentIfEmpty();
  }

  /**
   * Whether a live container runs in the group although no process holds its name: a detached one,
   * whose JVM is gone but whose helper is not. Its init's parent is that helper, a poc-init process
   * outside the group. A crashed run's group has no such parent (a helper kills its container when
   * its JVM dies), nor has a group someone filled by hand.
   */
  static boolean runByLiveHelper(Cgroups cg, String name) throws IOException {
    for (Path dir : cg.dirs(name)) {
      List<Integer> members = CgroupFs.procs(dir);
      for (int pid : members) {
        int parent = RunState.parentPid(pid);
        if (parent > 0 && !members.contains(parent) && InitBinary.isPocInit(parent)) {
          return true;
        }
        if (InitBinary.isHandedOffInit(pid)) {
          return true; // created by poc-oci: its parent is the engine's shim
        }
      }
    }
    return false;
  }
}
