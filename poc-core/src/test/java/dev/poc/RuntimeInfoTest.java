package dev.poc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ContainerRuntime#info()} on this machine (which the test suite's command has given every
 * tool), and the checks' answers where a tool is missing or the state root is full.
 */
class RuntimeInfoTest {
  @TempDir
  Path tmp;

  @Test
  void describesThisMachine() throws IOException {
    RuntimeInfo info = ContainerRuntime.info(tmp.resolve("state"), NetworkSettings.defaults());
    assertThat(info.kernel()).isEqualTo(Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim());
    CgroupLayout layout = CgroupLayout.detect();
    assertThat(info.cgroupMode()).isEqualTo(layout.unified().isPresent()
        ? (layout.v1().isEmpty() ? RuntimeInfo.CgroupMode.V2 : RuntimeInfo.CgroupMode.HYBRID) : RuntimeInfo.CgroupMode.V1);
    assertThat(info.stateRoot()).isEqualTo(tmp.resolve("state"));
    assertThat(info.stateRootFreeBytes()).isPositive().isLessThanOrEqualTo(Files.getFileStore(tmp).getTotalSpace());
    // root, with iptables, e2fsprogs, debootstrap and loop devices: what the suite runs on
    for (String name : List.of("privileges", "namespaces", "user namespaces", "loop devices", "iptables", "state root",
        "cgroup driver", "cgroup memory", "rootfs host", "rootfs disk", "image debootstrap", "network net-disabled",
        "network net-default", "network net-bridge")) {
      assertThat(info.check(name)).as(name).hasValueSatisfying(c -> assertThat(c.ok()).as(c.line()).isTrue());
    }
    assertThat(info.check("iptables").orElseThrow().detail()).matches("iptables v[0-9.]+ \\((nf_tables|legacy)\\) at .*");
    assertThat(info.check("namespaces").orElseThrow().detail()).startsWith("pid ipc mnt uts net");
    assertThat(info.checks()).extracting(Check::name).doesNotHaveDuplicates();
    assertThat(Files.exists(tmp.resolve("state"))).as("info creates nothing").isFalse();
  }

  @Test
  void overlayInAUserNamespaceIsTriedNotGuessed() throws IOException {
    Check userNs = HostChecks.userNamespaces(0);
    Check overlay = HostChecks.overlayInUserNamespace(userNs, tmp);
    boolean kernelAllows = kernelAtLeast(5, 11);
    assertThat(overlay.ok()).as(overlay.line()).isEqualTo(userNs.ok() && kernelAllows);
    try (var left = Files.list(tmp)) {
      assertThat(left).as("the probe's directories are removed").isEmpty();
    }
  }

  @Test
  void missingIptablesSaysWhichPackage() throws IOException {
    Check iptables = HostChecks.iptables(List.of(tmp), true);
    assertThat(iptables.ok()).isFalse();
    assertThat(iptables.line()).isEqualTo(
        "iptables: no: iptables is not installed (not in PATH); fix: apt-get install iptables (dnf install iptables-nft)");
    Check bridge = StrategyChecks.network(Network.BRIDGE, iptables, NetworkSettings.defaults());
    assertThat(bridge.ok()).isFalse();
    assertThat(StrategyChecks.failure(bridge)).hasMessage("network net-bridge needs iptables: iptables is not installed"
        + " (not in PATH): apt-get install iptables (dnf install iptables-nft), or use net-disabled");
    assertThat(StrategyChecks.network(Network.DISABLED, iptables, NetworkSettings.defaults()).ok()).isTrue();
  }

  @Test
  void iptablesIsFoundWhereverPathSays() throws IOException {
    for (String tool : List.of("iptables", "iptables-save", "iptables-restore")) {
      Path fake = Files.writeString(tmp.resolve(tool), "#!/bin/sh\n");
      Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    assertThat(HostChecks.iptables(List.of(tmp), false).line()).isEqualTo("iptables: yes: at " + tmp.resolve("iptables"));
  }

  @Test
  void pathDecidesWhereToolsAreFoundWithEachBinsSbin() {
    assertThat(Tool.searchDirs("/usr/local/bin:/usr/bin:/opt/tools:/bin")).containsExactly(Path.of("/usr/local/bin"),
        Path.of("/usr/local/sbin"), Path.of("/usr/bin"), Path.of("/usr/sbin"), Path.of("/opt/tools"), Path.of("/bin"),
        Path.of("/sbin"));
    assertThat(Tool.searchDirs(null)).contains(Path.of("/usr/sbin"), Path.of("/bin"));
  }

  @Test
  void aFullStateRootSaysSoAndWhatToDo() throws Exception {
    Path mount = Files.createDirectory(tmp.resolve("full"));
    run("mount", "-t", "tmpfs", "-o", "size=256k", "poc-info-test", mount.toString());
    try {
      run("sh", "-c", "cat /dev/zero > " + mount.resolve("filler") + " 2>/dev/null; true");
      Check full = HostChecks.stateRoot(mount.resolve("state"));
      assertThat(full.ok()).isFalse();
      assertThat(full.detail()).isEqualTo(mount.resolve("state") + " (tmpfs) has only 0B free (poc wants 64.0M)");
      assertThat(full.fix()).hasValue("free space on that filesystem, or pick another with --state-root DIR,"
          + " $POC_STATE_ROOT or ContainerRuntime.builder().stateRoot(DIR)");
    } finally {
      run("umount", mount.toString());
    }
  }

  @Test
  void aLineSaysYesOrNoWithTheFix() {
    assertThat(Check.yes("rootfs host", "the host's /usr").line()).isEqualTo("rootfs host: yes: the host's /usr");
    assertThat(Check.no("loop devices", "/dev/loop-control is missing", "modprobe loop").line())
        .isEqualTo("loop devices: no: /dev/loop-control is missing; fix: modprobe loop");
    assertThat(HostChecks.human(0)).isEqualTo("0B");
    assertThat(HostChecks.human(3L << 29)).isEqualTo("1.5G");
  }

  private static boolean kernelAtLeast(int major, int minor) {
    String[] v = HostChecks.kernel().split("[.-]");
    int ma = Integer.parseInt(v[0]);
    int mi = Integer.parseInt(v[1]);
    return ma > major || (ma == major && mi >= minor);
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(String.join(" ", command) + ": " + out).isZero();
  }
}
