package dev.poc.rootless;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poc.ContainerRuntime;
import dev.poc.ContainerSpec;
import dev.poc.InvalidSpecException;
import dev.poc.MissingPrivilegeException;
import dev.poc.Rootfs;
import dev.poc.RuntimeInfo;
import dev.poc.TestRootfs;
import dev.poc.host.HostDirs;
import dev.poc.host.Posix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * As an ordinary user: where poc keeps its state (private to the user), what it refuses and how it
 * says so (limits without a cgroup, root's networks, disks), and the single-id map.
 */
class ModeRootlessTest {
  private static ContainerRuntime runtime;
  private static Path busybox;

  @BeforeAll
  static void open() throws Exception {
    RootlessRuns.requireOrdinaryUser();
    runtime = ContainerRuntime.open(TestRootfs.stateRoot());
    busybox = TestRootfs.busybox();
  }

  @AfterAll
  static void close() {
    if (runtime != null) {
      runtime.close();
    }
  }

  private static ContainerSpec.Builder busybox(String script) {
    return runtime.container().name(TestRootfs.uniqueName("mode")).rootfs(Rootfs.directory(busybox))
        .command("sh", "-c", script);
  }

  @Test
  void stateIsTheUsersOwnAndNoOneElseMayEnterIt() throws Exception {
    Path host = HostDirs.hostState();
    assertThat(host.toString()).doesNotStartWith("/run/poc");
    assertThat(ContainerRuntime.DEFAULT_STATE_ROOT.toString()).doesNotStartWith("/var/lib/poc_container");
    String xdg = System.getenv("XDG_RUNTIME_DIR");
    Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local/share");
    assertThat(host.getParent()).isEqualTo(base);
    assertThat(ContainerRuntime.DEFAULT_STATE_ROOT).isEqualTo(base.resolve("poc"));
    for (Path dir : new Path[] {host, runtime.stateRoot()}) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).as(dir.toString()).isEqualTo("rwx------");
      assertThat(Files.getAttribute(dir, "unix:uid")).as(dir.toString()).isEqualTo(Posix.geteuid());
    }
  }

  @Test
  void aSpecWithoutLimitsRunsWithoutACgroup() throws Exception {
    var r = RootlessRuns.run(busybox("cat /proc/self/cgroup"));
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).doesNotContain("/poc/");
  }

  @Test
  void limitsWithoutADelegatedCgroupAreRefusedSayingWhy() {
    RuntimeInfo info = runtime.info();
    String cgroups = info.check("rootless cgroups").orElseThrow().detail();
    org.junit.jupiter.api.Assumptions.assumeTrue(cgroups.startsWith("none"), "this user has a delegated cgroup: " + cgroups);
    for (ContainerSpec.Builder spec : java.util.List.of(busybox("true").memory("64M"), busybox("true").pids(100),
        busybox("true").cpus(0.5))) {
      assertThatThrownBy(() -> RootlessRuns.run(spec)).isInstanceOf(MissingPrivilegeException.class)
          .hasMessageContaining("rootless without a cgroup").hasMessageContaining("Delegate=yes");
    }
  }

  @Test
  void namedNetworksNeedRootAndSaySo() {
    assertThatThrownBy(() -> runtime.createNetwork("rl" + System.nanoTime() % 1000))
        .isInstanceOf(MissingPrivilegeException.class).hasMessageContaining("rootless");
  }

  @Test
  void aDiskIsRefusedWithWhatToDoInstead() {
    assertThatThrownBy(() -> runtime.build(TestRootfs.uniqueName("disk"), "1G"))
        .isInstanceOf(MissingPrivilegeException.class).hasMessageContaining("loop device")
        .hasMessageContaining("Rootfs.directory");
  }

  @Test
  void infoSaysRootlessAndWhichIdMap() {
    RuntimeInfo info = runtime.info();
    assertThat(info.check("mode").orElseThrow().detail()).startsWith("rootless (uid " + Posix.geteuid() + ")");
    String map = info.check("id map").orElseThrow().detail();
    assertThat(map).matches("(full|single id): .*");
  }

  @Test
  void theSingleIdMapMapsThisUserAloneAndRefusesOtherUsers() throws Exception {
    System.setProperty(RootlessMode.ID_MAP_PROPERTY, "single");
    try (ContainerRuntime single = ContainerRuntime.open(TestRootfs.stateRoot())) {
      var r = RootlessRuns.run(single.container().name(TestRootfs.uniqueName("single")).rootfs(Rootfs.directory(busybox))
          .command("sh", "-c", "cat /proc/self/uid_map /proc/self/setgroups; id -u"));
      assertThat(r.code()).as(r.toString()).isZero();
      assertThat(r.out().lines().map(l -> l.trim().replaceAll("\\s+", " ")).toList())
          .containsExactly("0 " + Posix.geteuid() + " 1", "deny", "0");
      assertThatThrownBy(() -> RootlessRuns.run(single.container().name(TestRootfs.uniqueName("single"))
          .rootfs(Rootfs.directory(busybox)).command("true").user(1000, 1000)))
          .isInstanceOf(InvalidSpecException.class).hasMessageContaining("uid 1000").hasMessageContaining("newuidmap");
    } finally {
      System.clearProperty(RootlessMode.ID_MAP_PROPERTY);
    }
  }
}
