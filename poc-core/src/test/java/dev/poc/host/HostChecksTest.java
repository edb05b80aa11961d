package dev.poc.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poc.Check;
import dev.poc.Network;
import dev.poc.NetworkSettings;
import dev.poc.network.NetworkChecks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host checks where a tool is missing, where PATH puts it, and where the state root is full;
 * overlayfs in a user namespace is tried, not guessed from the kernel's version.
 */
class HostChecksTest {
  @TempDir
  Path tmp;

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
    Check bridge = NetworkChecks.network(Network.BRIDGE, iptables, NetworkSettings.defaults());
    assertThat(bridge.ok()).isFalse();
    assertThat(NetworkChecks.failure(bridge)).hasMessage("network net-bridge needs iptables: iptables is not installed"
        + " (not in PATH): apt-get install iptables (dnf install iptables-nft), or use net-disabled");
    assertThat(NetworkChecks.network(Network.DISABLED, iptables, NetworkSettings.defaults()).ok()).isTrue();
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
  void sizesAreForPeople() {
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
