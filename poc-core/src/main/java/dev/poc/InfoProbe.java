package dev.poc;

import dev.poc.cgroup.CgroupChecks;
import dev.poc.cgroup.CgroupLayout;
import dev.poc.host.HostChecks;
import dev.poc.host.Prerequisites;
import dev.poc.host.Tool;
import dev.poc.network.NetworkChecks;
import dev.poc.storage.StorageChecks;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Puts {@link RuntimeInfo} together: the host's facilities from {@link HostChecks} and
 * {@link Prerequisites}, then what each strategy package says of itself ({@link CgroupChecks},
 * {@link StorageChecks}, {@link NetworkChecks}), given those facts.
 */
final class InfoProbe {
  private InfoProbe() {}

  /** Everything, for the state root {@code stateRoot} and the networks of {@code settings}. */
  static RuntimeInfo probe(Path stateRoot, NetworkSettings settings) {
    Check userNs = HostChecks.userNamespaces();
    Check loop = HostChecks.loopDevices(Path.of("/dev/loop-control"));
    Check iptables = HostChecks.iptables(Tool.searchDirs(), true);
    boolean rootless = dev.poc.rootless.RootlessMode.applies();
    List<Check> host = new ArrayList<>(rootless ? Prerequisites.rootlessChecks() : Prerequisites.checks());
    if (rootless) { // the mode, the id map chosen and why, what runs without root and what is refused
      host.addAll(dev.poc.rootless.RootlessMode.forThisUser().checks());
    }
    host.add(userNs);
    if (!rootless) { // rootlessChecks has it already
      host.add(HostChecks.unprivilegedUserNamespaces());
    }
    host.add(HostChecks.overlayInUserNamespace(userNs, Path.of(System.getProperty("java.io.tmpdir"))));
    host.add(loop);
    host.add(iptables);
    host.add(HostChecks.stateRoot(stateRoot));
    CgroupLayout layout = CgroupLayout.detect();
    return ImmutableRuntimeInfo.builder()
        .kernel(HostChecks.kernel()).architecture(HostChecks.architecture())
        .cgroupMode(CgroupChecks.mode(layout))
        .stateRoot(stateRoot.toAbsolutePath().normalize()).stateRootFreeBytes(HostChecks.freeBytes(stateRoot))
        .host(host).cgroups(CgroupChecks.cgroups(layout)).rootfs(StorageChecks.rootfs(loop))
        .networks(NetworkChecks.networks(iptables, settings))
        .build();
  }
}
