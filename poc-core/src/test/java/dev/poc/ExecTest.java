package dev.poc;

import dev.poc.cgroup.CgroupMembership;
import dev.poc.host.Posix;
import dev.poc.state.RunState;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** exec into running containers, detached runs, and stop/ps from a second runtime (another process's view). */
class ExecTest {
  private static Path stateRoot;
  private static ContainerRuntime runtime;

  @BeforeAll
  static void open() throws Exception {
    stateRoot = TestRootfs.stateRoot();
    runtime = ContainerRuntime.open(stateRoot);
  }

  @AfterAll
  static void close() {
    runtime.close();
  }

  private static Container sleeper(String name, boolean detached) throws Exception {
    ContainerSpec.Builder b = runtime.container().name(name).rootfs(Rootfs.directory(TestRootfs.busybox()))
        .command("sleep", "60");
    if (detached) {
      b.detached(true).stdin(Stdio.DISCARD).stdout(Stdio.DISCARD).stderr(Stdio.DISCARD);
    }
    return b.start();
  }

  private static String out(ContainerProcess p) throws Exception {
    String s = new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return s;
  }

  @Test
  void execJoinsTheContainersNamespacesAndCgroups() throws Exception {
    String name = TestRootfs.uniqueName("exec");
    try (Container c = sleeper(name, false)) {
      try (ContainerProcess p = c.exec("sh", "-c", "hostname; echo $$; cat /proc/1/cmdline | tr '\\0' ' '; echo; ls /proc | grep -c '^[0-9]'")) {
        String[] lines = out(p).split("\n");
        assertThat(p.exitCode()).isZero();
        assertThat(lines[0]).isEqualTo(name);
        assertThat(Integer.parseInt(lines[1])).isGreaterThan(2); // PID 1 is the init, 2 the command
        assertThat(lines[2].trim()).isEqualTo("poc-init"); // the container's own PID 1, no host path in its argv
        assertThat(Integer.parseInt(lines[3].trim())).isBetween(3, 6); // only the container's processes
      }
      try (ContainerProcess p = c.exec("sh", "-c", "grep -E '^(CapBnd|NoNewPrivs|Seccomp):' /proc/self/status")) {
        assertThat(out(p)).contains("CapBnd:\t00000000a80425fb").contains("NoNewPrivs:\t1").contains("Seccomp:\t2");
      }
      try (ContainerProcess p = c.exec("sh", "-c", "exit 7")) {
        assertThat(p.waitFor()).isEqualTo(7);
      }
      try (ContainerProcess p = c.exec(ExecSpec.builder().command("sh", "-c", "cat; echo $FOO; pwd; id -u")
          .putEnv("FOO", "bar").cwd("/tmp").uid(65534).gid(65534).build())) {
        p.stdin().write("in\n".getBytes());
        p.stdin().close();
        assertThat(out(p)).isEqualTo("in\nbar\n/tmp\n65534\n");
      }
      assertThatThrownBy(() -> c.exec("no-such-command")).isInstanceOf(CommandNotFoundException.class)
          .hasMessageContaining("'no-such-command' not found in container '" + name + "'");
      ContainerProcess killed = c.exec("sleep", "30");
      killed.kill(Signal.TERM);
      assertThat(killed.waitFor()).isEqualTo(128 + 15);
      // Put the init in a group of our own, as the cgroup setup does: the exec must follow it there.
      Path pids = Path.of("/sys/fs/cgroup/pids");
      Path group = (Files.isDirectory(pids) ? pids : Path.of("/sys/fs/cgroup")).resolve("poc-exectest-" + name);
      Files.createDirectory(group);
      try {
        Files.writeString(group.resolve("cgroup.procs"), Integer.toString(c.pid()));
        String initCgroups = Files.readString(Path.of("/proc/" + c.pid() + "/cgroup"));
        assertThat(initCgroups).contains("/poc-exectest-" + name);
        try (ContainerProcess p = c.exec("cat", "/proc/self/cgroup")) {
          assertThat(out(p)).isEqualTo(initCgroups); // no cgroup namespace: the same paths inside
        }
      } finally {
        c.stop(Duration.ofSeconds(2));
        Files.delete(group);
      }
    }
  }

  @Test
  void anExecOfAnotherUserDiesWithItsHelper() throws Exception {
    try (Container c = sleeper(TestRootfs.uniqueName("execd"), false);
        ContainerProcess p = c.exec(ExecSpec.builder().command("sleep", "60").uid(65534).gid(65534).build())) {
      // The helper (poc-init exec) is the command's parent on the host; a uid change clears the
      // parent-death signal, which must be set again, or the command is left behind in the container.
      int helper = Files.readAllLines(Path.of("/proc/" + p.pid() + "/status")).stream()
          .filter(l -> l.startsWith("PPid:")).map(l -> Integer.parseInt(l.substring(5).trim())).findFirst().orElseThrow();
      Posix.kill(helper, Signal.KILL.number());
      assertThat(p.waitFor(Duration.ofSeconds(5))).isTrue();
      // Dead, or a zombie of whatever host process adopted it.
      for (int i = 0; i < 100 && RunState.startTime(p.pid()) >= 0; i++) {
        Thread.sleep(10);
      }
      assertThat(RunState.startTime(p.pid())).as("exec'd command after its helper was killed").isEqualTo(-1);
    }
  }

  @Test
  void execFromAnotherRuntimeGetsTheContainersOwnHostname() throws Exception {
    String name = TestRootfs.uniqueName("hn");
    Container c = runtime.container().name(name).hostname("web").rootfs(Rootfs.directory(TestRootfs.busybox()))
        .command("sleep", "60").detached(true).stdin(Stdio.DISCARD).stdout(Stdio.DISCARD).stderr(Stdio.DISCARD).start();
    try (ContainerRuntime other = ContainerRuntime.open(stateRoot)) {
      try (ContainerProcess p = other.exec(name, ExecSpec.of("sh", "-c", "echo $HOSTNAME; hostname"))) {
        assertThat(out(p)).isEqualTo("web\nweb\n");
      }
      other.stop(name, Duration.ofSeconds(5));
    }
    assertThat(c.waitFor(Duration.ofSeconds(5))).isTrue();
  }

  @Test
  void detachedContainerIsFoundStoppedAndReclaimedByAnotherRuntime() throws Exception {
    String name = TestRootfs.uniqueName("detach");
    Container c = sleeper(name, true);
    int pid = c.pid();
    c.close(); // detached: stays
    assertThat(Posix.isAlive(pid)).isTrue();
    try (ContainerRuntime other = ContainerRuntime.open(stateRoot)) {
      assertThat(other.runs()).anySatisfy(i -> {
        assertThat(i.name()).isEqualTo(name);
        assertThat(i.pid()).isEqualTo(pid);
        assertThat(i.detached()).isTrue();
        assertThat(i.uptime()).isLessThan(Duration.ofMinutes(1));
      });
      try (ContainerProcess p = other.exec(name, ExecSpec.of("hostname"))) {
        assertThat(out(p)).isEqualTo(name + "\n");
      }
      ContainerStats stats = other.stats(name); // read through the cgroup driver, not a Container
      assertThat(stats.pids()).isBetween(2L, 3L); // init and sleep (and maybe the exec just ending)
      assertThat(stats.memoryBytes()).isPositive();
      assertThat(stats.cpuTime()).isPositive();
      long t0 = System.nanoTime();
      other.stop(name, Duration.ofSeconds(5));
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3)); // sleep dies on TERM
      assertThat(Posix.isAlive(pid)).isFalse();
      assertThat(stateRoot.resolve("run").resolve(name)).doesNotExist();
      assertThat(other.runs()).noneMatch(i -> i.name().equals(name));
      assertThatThrownBy(() -> other.stop(name, Duration.ofSeconds(1))).isInstanceOf(NotFoundException.class)
          .hasMessageContaining("no container named '" + name + "' is running");
      assertThatThrownBy(() -> other.exec(name, ExecSpec.of("true"))).isInstanceOf(NotFoundException.class);
      assertThatThrownBy(() -> other.stats(name)).isInstanceOf(NotFoundException.class)
          .hasMessageContaining("poc run net-disabled " + name);
    }
  }

  @Test
  void cgroupMembershipMapsV1AndV2PathsToHostFiles() {
    var mountinfo = java.util.List.of(
        "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct",
        "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
        "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd",
        "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw");
    var self = java.util.List.of("4:memory:/a", "2:cpu,cpuacct:/", "9:name=systemd:/", "0::/");
    var target = java.util.List.of("4:memory:/a", "2:cpu,cpuacct:/poc/x", "9:name=systemd:/", "0::/poc/x");
    assertThat(CgroupMembership.toJoin(target, self, mountinfo)).containsExactly(
        Path.of("/sys/fs/cgroup/cpu,cpuacct/poc/x/cgroup.procs"), Path.of("/sys/fs/cgroup/unified/poc/x/cgroup.procs"));
  }
}
