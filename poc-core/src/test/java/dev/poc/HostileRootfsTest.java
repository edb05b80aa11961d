package dev.poc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images whose symlinks try to move a volume somewhere else: the destination is resolved once,
 * inside the root, and the bind and its flags go through that one resolution, so a read-only
 * volume stays read-only and nothing of the host is written.
 */
class HostileRootfsTest extends RuntimeTestBase {
  @TempDir Path tmp;

  private Path image() throws Exception {
    Path root = tmp.resolve("rootfs");
    TestRootfs.makeBusybox(root);
    Files.createDirectories(root.resolve("mnt"));
    return root;
  }

  private Path volume() throws IOException {
    Path src = Files.createDirectories(tmp.resolve("volume"));
    Files.writeString(src.resolve("keep"), "host data\n");
    return src;
  }

  /** Runs the script with SRC at /mnt/data, read-only; its stdout. */
  private static String run(Path root, Path src, String script) throws Exception {
    try (Container c = runtime.container().name(TestRootfs.uniqueName("hostile")).rootfs(Rootfs.directory(root))
        .bind(src, "/mnt/data", true).command("sh", "-c", script + " 2>&1").start()) {
      String out = new String(c.stdout().readAllBytes(), StandardCharsets.UTF_8);
      c.waitFor();
      return out;
    }
  }

  @Test
  void aReadOnlyVolumeBehindAnAbsoluteSymlinkToPocsOwnEtcHostsIsRefused() throws Exception {
    // The reported escape: /mnt/data -> /etc/hosts, and a decoy directory /mnt/etc/hosts that a
    // walk from the wrong directory finds; the ro flag then landed on poc's /etc/hosts bind.
    Path root = image();
    Files.createSymbolicLink(root.resolve("mnt/data"), Path.of("/etc/hosts"));
    Files.createDirectories(root.resolve("mnt/etc/hosts"));
    Path src = volume();
    assertThatThrownBy(() -> run(root, src, "echo x > /mnt/data/new; rm -f /mnt/data/keep"))
        .isInstanceOf(StartFailedException.class)
        .hasMessageContaining("mount target /mnt/data")
        .hasMessageContaining("the source " + src + " is a directory")
        .hasMessageContaining("the target is a file");
    assertThat(src.resolve("keep")).hasContent("host data");
    assertThat(src.resolve("new")).doesNotExist();
    assertThat(root.resolve("mnt/etc/hosts")).isEmptyDirectory();
  }

  @Test
  void aReadOnlyVolumeBehindASymlinkLandsWhereTheContainerSeesItAndStaysReadOnly() throws Exception {
    Path root = image();
    Files.createDirectories(root.resolve("srv/real"));
    Files.createSymbolicLink(root.resolve("mnt/data"), Path.of("/srv/real"));
    Files.createDirectories(root.resolve("mnt/srv/real")); // the decoy of a walk from /mnt
    Path src = volume();
    String out = run(root, src,
        "cat /srv/real/keep; echo x > /mnt/data/new || echo refused; rm /mnt/data/keep || echo kept; "
            + "grep -c ' /srv/real ro,' /proc/self/mountinfo");
    assertThat(out).startsWith("host data\nrefused\nkept\n1");
    assertThat(src.resolve("keep")).hasContent("host data");
    assertThat(src.resolve("new")).doesNotExist();
    assertThat(root.resolve("mnt/srv/real")).isEmptyDirectory();
    assertThat(root.resolve("srv/real")).isEmptyDirectory();
  }

  @Test
  void aVolumeBehindADanglingSymlinkIsMadeInsideTheRoot() throws Exception {
    Path root = image();
    Files.createSymbolicLink(root.resolve("mnt/data"), Path.of("../../../../run/poc-hostile-nowhere/x"));
    Path src = volume();
    String out = run(root, src, "cat /run/poc-hostile-nowhere/x/keep");
    assertThat(out).isEqualTo("host data\n");
    assertThat(root.resolve("run/poc-hostile-nowhere/x")).isEmptyDirectory();
    assertThat(Path.of("/run/poc-hostile-nowhere")).doesNotExist();
  }

  @Test
  void anImageWhoseSystemPathsPointOutOfTheRootNeverReachesTheHost() throws Exception {
    // Every path poc mounts on or binds over is an absolute or ../ symlink to a host directory
    // that the test watches; inside the root those names mean the root's own paths.
    Path root = tmp.resolve("rootfs");
    TestRootfs.makeBusybox(root);
    // Under /var/tmp, whatever the checkout's path: a host path under /tmp or /proc would itself
    // run through the image's own symlinks of those names inside the root, and loop.
    Path host = Files.createTempDirectory(Path.of("/var/tmp"), "poc-hostile-host-");
    for (String dir : new String[] {"proc", "dev", "tmp", "sys"}) {
      Path p = root.resolve(dir);
      Files.delete(p);
      Files.createSymbolicLink(p, Path.of("../../../../../../.." + host.resolve(dir)));
    }
    Files.createSymbolicLink(root.resolve("etc/hosts"), host.resolve("hosts"));
    Files.createSymbolicLink(root.resolve("etc/hostname"), Path.of("../../../.." + host.resolve("hostname")));
    Files.createSymbolicLink(root.resolve("etc/resolv.conf"), Path.of("../run/systemd/resolve/stub-resolv.conf"));
    Files.createSymbolicLink(root.resolve("wd"), host.resolve("wd"));
    Path src = volume();
    try (Container c = runtime.container().name(TestRootfs.uniqueName("hostile")).rootfs(Rootfs.directory(root))
        .bind(src, "/mnt/data", true)
        .command("sh", "-c", "cat /etc/hostname; grep -c localhost /etc/hosts; grep -c nameserver /etc/resolv.conf; "
            + "echo 1 > /tmp/written 2>/dev/null; ls /proc/self/fd >/dev/null && echo proc; test -c /dev/null && echo dev")
        .start()) {
      String out = new String(c.stdout().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(c.waitFor()).as(out).isZero();
      assertThat(out).startsWith(c.spec().hostname() + "\n2\n1\nproc\ndev\n");
    }
    assertThatThrownBy(() -> runtime.container().name(TestRootfs.uniqueName("hostile")).rootfs(Rootfs.directory(root))
        .cwd("/wd").command("true").start())
        .isInstanceOf(StartFailedException.class).hasMessageContaining("chdir /wd: No such file or directory");
    try (var left = Files.walk(host)) {
      assertThat(left.filter(p -> !p.equals(host)).toList()).as("nothing made, written or mounted on the host side").isEmpty();
    }
    Files.delete(host);
  }
}
