package dev.poc.oci;

import dev.poc.ContainerRuntime;
import dev.poc.cgroup.CgroupSetup;
import dev.poc.cgroup.GroupDirs;
import dev.poc.internal.Access;
import dev.poc.namespace.LinuxNamespaces;
import dev.poc.namespace.NetnsNames;
import dev.poc.network.NetworkSetup;
import dev.poc.network.UserNetworks;
import dev.poc.spi.HostSetup;
import dev.poc.state.NameLock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code delete} releases of a container on the host, written by {@code create} into
 * {@code ROOT/ID/front} so that the native front deletes it as {@link OciRuntime#delete} would,
 * without guessing a path: the run directory, the name lock, the netns name, the cgroup directories
 * in the order the runtime's reclaim removes them, then the parents a placed group's create made, and what would make that reclaim do more (a
 * published port's record, a host veth, a lease naming the run directory, a named network), which
 * the front leaves to the JVM.
 *
 * <p>Only for a runtime with root's default strategies (namespaces as the spec says, poc's
 * cgroups, its networks): another one's reclaim is its own, and the front hands its delete over.
 */
final class FrontRelease {
  private FrontRelease() {}

  /**
   * The release lines of container {@code id} ({@code key=value}), or none when the front must
   * leave its delete to the JVM.
   */
  static List<String> lines(ContainerRuntime runtime, String id) {
    List<HostSetup> setups = Access.api().setups(runtime);
    if (setups.size() != 4 || !(setups.get(0) instanceof LinuxNamespaces) || !(setups.get(1) instanceof CgroupSetup cgroups)
        || !(setups.get(2) instanceof NetworkSetup network) || !(setups.get(3) instanceof UserNetworks named)) {
      return List.of();
    }
    Path runDir = Access.api().runDir(runtime, id);
    List<Path> parents;
    try {
      parents = CgroupSetup.ancestorsMade(runDir);
    } catch (java.io.IOException e) {
      return List.of();
    }
    List<String> lines = new ArrayList<>();
    lines.add("release=" + runDir);
    lines.add("lock=" + NameLock.file(id));
    NetworkSetup.reclaimedOnlyIfPresent(id).forEach(p -> lines.add("busy=" + p));
    lines.add("busy=" + named.dir());
    lines.add("leases=" + network.leaseDir());
    lines.add("netns=" + NetnsNames.DIR.resolve(NetnsNames.of(id)));
    String member = null;
    for (GroupDirs g : cgroups.removalOrder(id)) {
      if (member != null && !member.equals(g.member())) {
        return List.of(); // one path per group is all the front reads
      }
      member = g.member();
      g.dirs().forEach(d -> lines.add((g.unified() ? "cgroup2=" : "cgroup1=") + d));
    }
    if (member != null) {
      lines.add("member=" + member);
    }
    // a placed group's parents that its create made (an engine's /docker, say), deepest first:
    // removed after the group where empty, as the runtime's reclaim does
    parents.forEach(p -> lines.add("parent=" + p));
    return lines.stream().anyMatch(l -> l.contains("\n")) ? List.of() : lines;
  }
}
