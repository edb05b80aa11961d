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
  void aVolumeBehindADanglingSymlinkIsRefusedNamingThePath() throws Exception {
    Path root = image();
    Files.createSymbolicLink(root.resolve("mnt/data"), Path.of("../../../../run/netns/nowhere"));
    Path src = volume();
    assertThatThrownBy(() -> run(root, src, "true"))
        .isInstanceOf(StartFailedException.class)
        .hasMessageContaining("mount target /mnt/data: a symlink in the image leads it to a path that does not exist");
    assertThat(root.resolve("run")).doesNotExist();
    assertThat(Files.readString(src.resolve("keep"), StandardCharsets.UTF_8)).isEqualTo("host data\n");
  }
}
