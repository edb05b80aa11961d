package dev.poc.rootless;

import dev.poc.ContainerStats;
import dev.poc.MissingPrivilegeException;
import dev.poc.Resources;
import dev.poc.spi.CgroupStrategy;
import dev.poc.spi.StartContext;
import java.nio.file.Path;

/**
 * Rootless without a delegated cgroup: containers run in the cgroup of the JVM that starts them,
 * with no limits and no figures. The default pids limit is not applied (there is nowhere to write
 * it); a spec that asks for a limit is refused, saying why and what to do.
 */
final class NoCgroups implements CgroupStrategy {
  static final String WHY = "this user owns no cgroup (no cgroup v2 delegation to it, e.g. systemd's user@UID.service"
      + " with Delegate=yes), and only root may make cgroups elsewhere";

  @Override
  public Group prepare(StartContext ctx) {
    Resources r = ctx.spec().resources();
    if (!r.isEmpty()) {
      throw new MissingPrivilegeException("container '" + ctx.name() + "' asks for resource limits (" + asked(r)
          + "), but it runs rootless without a cgroup: " + WHY + ". Drop the limits, run as root, or delegate a"
          + " cgroup v2 subtree to this user (systemd: Delegate=yes on user@.service)");
    }
    return new Group() {
      @Override
      public ContainerStats stats() {
        return ContainerStats.builder().build();
      }

      @Override
      public void close() {}
    };
  }

  private static String asked(Resources r) {
    StringBuilder b = new StringBuilder();
    r.memoryBytes().ifPresent(m -> b.append("memory ").append(m).append(" bytes"));
    r.cpus().ifPresent(c -> b.append(b.length() > 0 ? ", " : "").append("cpus ").append(c));
    r.cpuShares().ifPresent(c -> b.append(b.length() > 0 ? ", " : "").append("cpu shares ").append(c));
    r.pids().ifPresent(p -> b.append(b.length() > 0 ? ", " : "").append("pids ").append(p));
    return b.toString();
  }

  @Override
  public ContainerStats stats(String name) {
    return ContainerStats.builder().build();
  }

  @Override
  public void reclaim(String name, Path runDir) {}

  @Override
  public String toString() {
    return "no cgroup (rootless, none delegated)";
  }
}
