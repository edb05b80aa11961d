package dev.poc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which rootfs, network and cgroup strategies can run on this host, from the facts
 * {@link HostChecks}, {@link CgroupLayout} and {@link Prerequisites} find, and the whole
 * {@link RuntimeInfo}. {@link #network(Network)} is the cheap form a start asks before it
 * touches anything.
 */
final class StrategyChecks {
  /** The controllers poc limits with, and the option that needs each. */
  private static final Map<String, String> LIMITS = Map.of("cpu", "--cpus", "memory", "--memory", "pids", "--pids");

  private StrategyChecks() {}

  /** Everything, for the state root {@code stateRoot} and the networks of {@code settings}. */
  static RuntimeInfo probe(Path stateRoot, NetworkSettings settings) {
    Check userNs = HostChecks.userNamespaces(Posix.geteuid());
    Check loop = HostChecks.loopDevices(Path.of("/dev/loop-control"));
    Check iptables = HostChecks.iptables(Tool.searchDirs(), true);
    List<Check> host = new ArrayList<>(Prerequisites.checks());
    host.add(userNs);
    host.add(HostChecks.unprivilegedUserNamespaces(Posix.geteuid()));
    host.add(HostChecks.overlayInUserNamespace(userNs, Path.of(System.getProperty("java.io.tmpdir"))));
    host.add(loop);
    host.add(iptables);
    host.add(HostChecks.stateRoot(stateRoot));
    CgroupLayout layout = CgroupLayout.detect();
    return ImmutableRuntimeInfo.builder()
        .kernel(HostChecks.kernel()).architecture(HostChecks.architecture())
        .cgroupMode(mode(layout))
        .stateRoot(stateRoot.toAbsolutePath().normalize()).stateRootFreeBytes(HostChecks.freeBytes(stateRoot))
        .host(host).cgroups(cgroups(layout)).rootfs(rootfs(loop)).networks(networks(iptables, settings))
        .build();
  }

  /**
   * Whether a container can be connected as {@code mode} here, looking only for the tools it
   * needs (a few stat calls): what a start asks first.
   */
  static Check network(Network mode) {
    return network(mode, HostChecks.iptables(Tool.searchDirs(), false), NetworkSettings.defaults());
  }

  /** The error a start fails with when {@code check} says no: {@code network net-bridge needs ...: FIX}. */
  static StartFailedException failure(Check check) {
    return new StartFailedException(check.name() + " " + check.problem());
  }

  static Check network(Network mode, Check iptables, NetworkSettings settings) {
    String name = "network " + mode.cliName();
    if (mode == Network.DISABLED) {
      return Files.exists(Path.of("/proc/self/ns/net"))
          ? Check.yes(name, "a network namespace of its own, lo only")
          : Check.no(name, "this kernel has no network namespaces", "use a kernel built with CONFIG_NET_NS");
    }
    if (!iptables.ok()) {
      return Check.no(name, "needs iptables: " + iptables.detail(),
          iptables.fix().map(f -> f + ", or use net-disabled").orElse("use net-disabled"));
    }
    if (mode == Network.BRIDGE) {
      return Check.yes(name, "bridge " + settings.bridgeName() + " on " + settings.bridgeSubnet());
    }
    return Check.yes(name, settings.defaultSubnet() + " in /24 blocks, " + HostRoutes.defaultInterface()
        .map(i -> "masqueraded out of " + i).orElse("no default route: containers reach this host only"));
  }

  static List<Check> networks(Check iptables, NetworkSettings settings) {
    return List.of(network(Network.DISABLED, iptables, settings), network(Network.DEFAULT, iptables, settings),
        network(Network.BRIDGE, iptables, settings));
  }

  static RuntimeInfo.CgroupMode mode(CgroupLayout layout) {
    if (layout.unified().isPresent()) {
      return layout.v1().isEmpty() ? RuntimeInfo.CgroupMode.V2 : RuntimeInfo.CgroupMode.HYBRID;
    }
    return layout.v1().isEmpty() ? RuntimeInfo.CgroupMode.NONE : RuntimeInfo.CgroupMode.V1;
  }

  /** The driver, then one check per controller poc limits with, and the device allow-list. */
  static List<Check> cgroups(CgroupLayout layout) {
    RuntimeInfo.CgroupMode mode = mode(layout);
    List<Check> checks = new ArrayList<>();
    if (mode == RuntimeInfo.CgroupMode.NONE) {
      String fix = "mount one: mount -t cgroup2 none /sys/fs/cgroup";
      checks.add(Check.no("cgroup driver", "no cgroup hierarchy is mounted", fix));
      for (String controller : List.of("cpu", "memory", "pids", "devices")) {
        checks.add(Check.no("cgroup " + controller, "no cgroup hierarchy is mounted", fix));
      }
      return checks;
    }
    Cgroups drivers = layout.drivers();
    checks.add(Check.yes("cgroup driver", mode.name().toLowerCase() + ": " + drivers.describe()));
    for (String controller : List.of("cpu", "memory", "pids")) {
      String name = "cgroup " + controller;
      String where = layout.v1().containsKey(controller) ? "v1 at " + layout.v1().get(controller) : "cgroup2";
      checks.add(drivers.controllers().contains(controller)
          ? Check.yes(name, where + " (" + LIMITS.get(controller) + ")")
          : Check.no(name, "the " + controller + " controller is not available (" + drivers.describe() + ")",
              "enable it in the kernel (no cgroup_disable=" + controller + "), or run without " + LIMITS.get(controller)));
    }
    checks.add(layout.v1().containsKey("devices")
        ? Check.yes("cgroup devices", "v1 devices controller at " + layout.v1().get("devices"))
        : Check.yes("cgroup devices", "a BPF device program on the container's cgroup2 group"));
    return checks;
  }

  /** Whether {@code Images.debootstrap} can run: debootstrap in PATH (the mirror is not tried). */
  static Check imageDebootstrap() {
    return Tool.locate("debootstrap")
        .map(p -> Check.yes("image debootstrap", "Debian " + Debootstrap.hostSuite() + " (" + p + ")"))
        .orElse(Check.no("image debootstrap", "needs debootstrap, which is not installed (not in PATH)",
            "apt-get install debootstrap"));
  }

  /** Each way to a root filesystem; the disk needs loop devices and mkfs.ext4. */
  static List<Check> rootfs(Check loop) {
    List<Check> checks = new ArrayList<>();
    checks.add(Files.isDirectory(Path.of("/usr"))
        ? Check.yes("rootfs host", "the host's /usr, read-only")
        : Check.no("rootfs host", "this host has no /usr", "use Rootfs.directory(...) or a disk"));
    checks.add(Check.yes("rootfs directory", "any unpacked tree"));
    Optional<Path> mkfs = Tool.locate("mkfs.ext4");
    if (!loop.ok()) {
      checks.add(Check.no("rootfs disk", "needs loop devices: " + loop.detail(), loop.fix().orElse(null)));
    } else if (mkfs.isEmpty()) {
      checks.add(Check.no("rootfs disk", "mkfs.ext4 is not installed (not in PATH)", "apt-get install e2fsprogs"));
    } else if (!HostChecks.filesystems().contains("overlay")) {
      checks.add(Check.no("rootfs disk", "the kernel has no overlay filesystem loaded", "modprobe overlay"));
    } else {
      checks.add(Check.yes("rootfs disk", "ext4 on a loop device under an overlay (" + mkfs.get() + ")"));
    }
    DockerEngine docker = new DockerEngine(DockerEngine.DEFAULT_SOCKET);
    checks.add(docker.unavailable()
        .map(why -> Check.no("image docker", why, Tool.locate("dockerd").isPresent()
            ? "start the Docker daemon (systemctl start docker)" : "apt-get install docker.io"))
        .orElse(Check.yes("image docker", "a Docker daemon answers on " + docker.socket())));
    checks.add(imageDebootstrap());
    checks.add(Tool.locate("tar")
        .map(p -> Check.yes("image tarball", "plain, gz or xz (" + p + ")"))
        .orElse(Check.no("image tarball", "tar is not installed (not in PATH)", "apt-get install tar")));
    checks.add(Check.yes("image host", "the host's programs, read-only"));
    return checks;
  }
}
