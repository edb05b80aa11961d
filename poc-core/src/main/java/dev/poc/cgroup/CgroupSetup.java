package dev.poc.cgroup;

import dev.poc.ContainerStats;
import dev.poc.NameInUseException;
import dev.poc.NotFoundException;
import dev.poc.PocException;
import dev.poc.Resources;
import dev.poc.StartFailedException;
import dev.poc.launch.InitBinary;
import dev.poc.spi.CgroupStrategy;
import dev.poc.spi.StartContext;
import dev.poc.state.NameLock;
import dev.poc.state.RunState;
import com.google.common.base.Suppliers;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts every container in its own cgroup {@code poc/NAME} in each hierarchy, with the spec's
 * limits written before the helper clones. The init enters the groups itself before it reports
 * READY (born in the v2 group, moving itself into the v1 ones), so the command, forked after GO,
 * is born inside. Per start: one mkdir per hierarchy, one write per limit, one write per v1
 * hierarchy by the init; no process is spawned, and no move by pid (which would wait for an RCU
 * grace period, several milliseconds).
 */
public final class CgroupSetup implements CgroupStrategy {
  private static final Logger LOG = LoggerFactory.getLogger(CgroupSetup.class);
  private static final Supplier<Cgroups> HOST = Suppliers.memoize(Cgroups::detect);

  private final Supplier<Cgroups> cgroups;

  /** On this host's hierarchies, found once per JVM. */
  public CgroupSetup() {
    this(HOST);
  }

  public CgroupSetup(Supplier<Cgroups> cgroups) {
    this.cgroups = cgroups;
  }

  @Override
  public CgroupAttachment prepare(StartContext ctx) throws IOException {
    Cgroups cg = cgroups.get();
    String name = ctx.name();
    Resources limits = ctx.spec().resources();
    requireControllers(cg, name, limits);
    try {
      createFresh(cg, name);
    } catch (IOException e) {
      throw new StartFailedException("starting container '" + name + "' failed at creating its cgroup "
          + Cgroups.PARENT + "/" + name + " (" + cg.describe() + "): " + e.getMessage(), e);
    }
    try {
      cg.limit(name, limits);
    } catch (IOException | RuntimeException e) {
      cg.remove(name);
      throw new StartFailedException("starting container '" + name + "' failed at writing its cgroup limits: "
          + e.getMessage(), e);
    }
    cg.planEntry(name, ctx.plan());
    return new CgroupAttachment(cg, name);
  }

  /** Makes the group; one left by a crashed run elsewhere is emptied and removed first. */
  private static void createFresh(Cgroups cg, String name) throws IOException {
    try {
      cg.create(name);
    } catch (FileAlreadyExistsException e) {
      // the caller holds the host-wide name lock, which a detached container's JVM gave up on exit
      if (runByLiveHelper(cg, name)) {
        throw new NameInUseException("container '" + name + "' already runs detached, started under another state"
            + " root (its cgroup " + Cgroups.PARENT + "/" + name + " holds it): stop it there (poc stop " + name
            + " --state-root DIR) or pick another name");
      }
      LOG.info("removing cgroup {}/{} left by a run that is gone", Cgroups.PARENT, name);
      if (!cg.remove(name)) {
        throw new IOException("it exists already, left by an earlier run, and its processes could not be killed: "
            + "kill them (see " + cg.dirs(name).get(0).resolve("cgroup.procs") + ") and start again");
      }
      cg.create(name);
    }
  }

  private static void requireControllers(Cgroups cg, String name, Resources limits) {
    if (cg.dirs(name).isEmpty()) {
      throw new StartFailedException("starting container '" + name + "': no cgroup hierarchy is mounted "
          + "(see /proc/self/mountinfo): mount cgroup2 on /sys/fs/cgroup, or the v1 cpu, memory and pids controllers");
    }
    missing(cg, name, "memory", limits.memoryBytes().isPresent(), "memory limit");
    missing(cg, name, "cpu", limits.cpus().isPresent(), "cpus limit");
    missing(cg, name, "cpu", limits.cpuShares().isPresent(), "cpu shares");
    missing(cg, name, "pids", limits.pids().isPresent(), "pids limit");
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

  @Override
  public void reclaim(String name, Path runDir) {
    cgroups.get().remove(name);
  }

  /** The directories {@link #reclaim} removes, driver by driver, as {@link Cgroups#removalOrder} says. */
  public List<GroupDirs> removalOrder(String name) {
    return cgroups.get().removalOrder(name);
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
