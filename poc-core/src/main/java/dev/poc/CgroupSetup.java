package dev.poc;

import com.google.common.base.Suppliers;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
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
final class CgroupSetup implements HostSetup {
  private static final Logger LOG = LoggerFactory.getLogger(CgroupSetup.class);
  private static final Supplier<Cgroups> HOST = Suppliers.memoize(Cgroups::detect);

  private final Supplier<Cgroups> cgroups;

  /** On this host's hierarchies, found once per JVM. */
  CgroupSetup() {
    this(HOST);
  }

  CgroupSetup(Supplier<Cgroups> cgroups) {
    this.cgroups = cgroups;
  }

  @Override
  public Attachment prepare(StartContext ctx) throws IOException {
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
    CgroupAttachment attachment = new CgroupAttachment(cg, name);
    ctx.publish(CgroupAttachment.class, attachment);
    return attachment;
  }

  /** Makes the group; one left by a crashed run elsewhere is emptied and removed first. */
  private static void createFresh(Cgroups cg, String name) throws IOException {
    try {
      cg.create(name);
    } catch (FileAlreadyExistsException e) {
      // the caller holds the host-wide name lock: no live container owns this group
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

  @Override
  public void reclaim(String name, Path runDir) {
    cgroups.get().remove(name);
  }

  /** Removes every {@code poc/NAME} group whose name no running container holds. */
  @Override
  public void prune() throws IOException {
    Cgroups cg = cgroups.get();
    for (String name : cg.groups()) {
      Optional<NameLock> lock = NameLock.tryAcquire(name);
      if (lock.isPresent()) {
        try (NameLock held = lock.get()) {
          cg.remove(name);
        }
      }
    }
  }
}
