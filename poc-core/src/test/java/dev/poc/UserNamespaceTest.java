package dev.poc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poc.namespace.LinuxNamespaces;
import dev.poc.namespace.UserNamespaces;
import dev.poc.spi.IdMapping;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * As root, containers in a user namespace of their own (the maps written directly, as root may):
 * the rootless path of poc-init (maps before the init goes on, /dev from the host's nodes, the
 * root built inside the namespace) in the fast suite. The rootless suite runs it as a user. Root
 * maps itself to 0 inside, as a rootless user does (the init reads the run directory, root's
 * alone), and every other id to a range of its own.
 */
class UserNamespaceTest {
  private static final int BASE = 200000;
  private static ContainerRuntime runtime;
  private static Path busybox;

  @BeforeAll
  static void open() throws Exception {
    IdMapping maps = IdMapping.of("0 0 1\n1 " + BASE + " 65535", "0 0 1\n1 " + BASE + " 65535");
    runtime = ContainerRuntime.builder().stateRoot(TestRootfs.stateRoot())
        .namespaces(new UserNamespaces(new LinuxNamespaces(), maps)).build();
    busybox = TestRootfs.busybox();
  }

  @AfterAll
  static void close() {
    runtime.close();
  }

  private static ContainerSpec.Builder busybox(String script) {
    return runtime.container().name(TestRootfs.uniqueName("userns")).rootfs(Rootfs.directory(busybox))
        .command("sh", "-c", script);
  }

  @Test
  void rootInsideIsTheMappedIdOutside(@TempDir Path volume) throws Exception {
    Files.setPosixFilePermissions(volume, PosixFilePermissions.fromString("rwxrwxrwx"));
    Run r = Run.of(busybox("id -u; cat /proc/self/uid_map; echo hi > /v/made").user(1000, 1000)
        .bind(volume, "/v", false));
    assertThat(r.code()).as(r.toString()).isZero();
    String[] lines = r.out.split("\n");
    assertThat(lines[0]).isEqualTo("1000");
    assertThat(lines[1].trim().split("\\s+")).containsExactly("0", "0", "1");
    assertThat(lines[2].trim().split("\\s+")).containsExactly("1", Integer.toString(BASE), "65535");
    assertThat(Files.getAttribute(volume.resolve("made"), "unix:uid")).as("uid 1000 inside").isEqualTo(BASE + 999);
  }

  @Test
  void devicesAreTheHostsNodesAndWork() throws Exception {
    Run r = Run.of(busybox("echo x > /dev/null && head -c 4 /dev/zero | wc -c && ls /dev/pts && mount | grep ' /sys '"));
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out).contains("4\n").contains("ptmx").contains("sysfs");
  }

  @Test
  void capabilitiesOfTheNamespaceDoNotReachTheHost() throws Exception {
    // CAP_SYS_ADMIN inside (privileged) is the namespace's: a mount of proc works only inside,
    // and the host's hostname cannot be touched through it
    Run r = Run.of(busybox("mkdir -p /tmp/p && mount -t tmpfs t /tmp/p && echo mounted; "
        + "echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null && echo wrote || echo refused").privileged(true));
    assertThat(r.out).as(r.toString()).contains("mounted").contains("refused");
  }

  @Test
  void aUserTheMapLeavesOutIsRefusedBeforeTheStart() {
    assertThatThrownBy(() -> Run.of(busybox("true").user(70000, 0)))
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("uid 70000").hasMessageContaining("does not map");
  }

  @Test
  void aFailingIdMapToolStopsTheStartSayingWhichAndWhy() throws Exception {
    // /bin/false stands in for a newuidmap that refuses the ranges (as it does for ids not in /etc/subuid)
    IdMapping refused = IdMapping.full(0, 0, BASE, 65535, BASE, 65535, Path.of("/bin/false"), Path.of("/bin/false"));
    try (ContainerRuntime r = ContainerRuntime.builder().stateRoot(TestRootfs.stateRoot())
        .namespaces(new UserNamespaces(new LinuxNamespaces(), refused)).build()) {
      assertThatThrownBy(() -> Run.of(r.container().name(TestRootfs.uniqueName("userns")).rootfs(Rootfs.directory(busybox))
          .command("true")))
          .isInstanceOf(StartFailedException.class).hasMessageContaining("/bin/false exited with 1")
          .hasMessageContaining("/etc/subuid");
    }
  }

  @Test
  void execEntersTheUserNamespaceToo() throws Exception {
    try (Container c = busybox("sleep 60").start();
        ContainerProcess p = c.exec(ExecSpec.builder().command("sh", "-c", "id -u; cat /proc/self/uid_map").build())) {
      String out = new String(p.stdout().readAllBytes());
      assertThat(p.waitFor()).isZero();
      assertThat(out).startsWith("0\n").contains(Integer.toString(BASE));
    }
  }
}
