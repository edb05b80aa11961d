package dev.poc.rootless;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poc.Container;
import dev.poc.ContainerRuntime;
import dev.poc.ContainerSpec;
import dev.poc.ExitStatus;
import dev.poc.Rootfs;
import dev.poc.Signal;
import dev.poc.TestRootfs;
import dev.poc.host.Posix;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * As an ordinary user, on the real kernel: the container is as isolated as a root one, its root
 * is this user, and nothing of it is left after the class.
 */
class IsolationRootlessTest {
  private static ContainerRuntime runtime;
  private static Path busybox;
  private static Path stateRoot;

  @BeforeAll
  static void open() throws Exception {
    RootlessRuns.requireOrdinaryUser();
    stateRoot = TestRootfs.stateRoot();
    runtime = ContainerRuntime.open(stateRoot);
    busybox = TestRootfs.busybox();
  }

  @AfterAll
  static void close() throws Exception {
    if (runtime == null) {
      return;
    }
    runtime.close();
    // nothing of the class's containers is left: no run directory, no process of theirs
    try (var runs = Files.list(Files.createDirectories(stateRoot.resolve("run")))) {
      assertThat(runs.toList()).isEmpty();
    }
  }

  private static ContainerSpec.Builder busybox(String prefix, String script) {
    return runtime.container().name(TestRootfs.uniqueName(prefix)).rootfs(Rootfs.directory(busybox))
        .command("sh", "-c", script);
  }

  @Test
  void theRuntimeIsRootless() {
    assertThat(runtime.isRootless()).isTrue();
  }

  @Test
  void pidOneIsTheInitAndTheCommandSeesOnlyTheContainer() throws Exception {
    var r = RootlessRuns.run(busybox("pid", "echo $$; ps -o pid,comm"));
    assertThat(r.code()).as(r.toString()).isZero();
    String[] lines = r.out().split("\n");
    assertThat(lines[0]).isEqualTo("2");
    assertThat(r.out()).contains("1 poc-init");
    assertThat(lines.length - 1).isLessThanOrEqualTo(4);
  }

  @Test
  void hostnameIsTheNameAndOnlyLoopbackIsThere() throws Exception {
    String name = TestRootfs.uniqueName("uts");
    var r = RootlessRuns.run(runtime.container().name(name).rootfs(Rootfs.directory(busybox))
        .command("sh", "-c", "hostname; ls /sys/class/net; hostname other 2>/dev/null || echo refused"));
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo(name + "\nlo\nrefused\n");
  }

  @Test
  void rootInsideIsThisUserOutside() throws Exception {
    var r = RootlessRuns.run(busybox("ids", "id -u; cat /proc/self/uid_map"));
    assertThat(r.code()).as(r.toString()).isZero();
    List<String> lines = r.out().lines().toList();
    assertThat(lines.get(0)).isEqualTo("0");
    assertThat(lines.get(1).trim().split("\\s+")).containsExactly("0", Integer.toString(Posix.geteuid()), "1");
    // the rest of the map is the subordinate range when newuidmap and /etc/subuid allow it
    String expected = runtime.info().check("id map").orElseThrow().detail();
    assertThat(lines.size() > 2).as("a second map line exactly when the map is full: " + expected)
        .isEqualTo(expected.startsWith("full"));
  }

  @Test
  void aFileWrittenInsideBelongsToThisUserOnTheHost(@TempDir Path volume) throws Exception {
    var r = RootlessRuns.run(busybox("own", "echo hi > /v/made && mkdir /v/dir").bind(volume, "/v", false));
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(Files.getAttribute(volume.resolve("made"), "unix:uid")).isEqualTo(Posix.geteuid());
    assertThat(Files.getAttribute(volume.resolve("dir"), "unix:uid")).isEqualTo(Posix.geteuid());
  }

  @Test
  void theHostsFilesAndProcessesAreNotThere(@TempDir Path hostDir) throws Exception {
    Path marker = Files.writeString(hostDir.resolve("host-marker"), "secret");
    var r = RootlessRuns.run(busybox("files", "cat " + marker + " 2>/dev/null || echo absent; "
        + "ls /proc | grep -c '^[0-9]'; cat /proc/keys | wc -c; ls /sys/firmware | wc -l"));
    assertThat(r.code()).as(r.toString()).isZero();
    // absent; init, sh, ls, grep (and the pipe's others) only; masked files read empty
    List<String> lines = r.out().lines().toList();
    assertThat(lines.get(0)).isEqualTo("absent");
    assertThat(Integer.parseInt(lines.get(1).trim())).isLessThanOrEqualTo(6);
    assertThat(lines.get(2).trim()).isEqualTo("0");
    assertThat(lines.get(3).trim()).isEqualTo("0");
  }

  @Test
  void mountsAreRefusedToTheCommandAndNothingReachesTheHost() throws Exception {
    // the command has the default capabilities, without CAP_SYS_ADMIN: no mount, no new namespace
    var r = RootlessRuns.run(busybox("mnt", "mkdir -p /tmp/m; mount -t tmpfs t /tmp/m 2>&1 && echo mounted || echo refused; "
        + "touch /bin/x 2>/dev/null && echo wrote || echo read-only"));
    assertThat(r.out()).as(r.toString()).contains("refused").doesNotContain("mounted\n");
    // a privileged container's root may mount, but only inside its own mount namespace
    var p = RootlessRuns.run(busybox("mntp", "mkdir -p /tmp/m && mount -t tmpfs t /tmp/m && echo mounted; "
        + "echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null && echo wrote || echo refused").privileged(true));
    assertThat(p.out()).as(p.toString()).contains("mounted").contains("refused");
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain("/tmp/m ");
  }

  @Test
  void exitCodesAndSignalsComeBack() throws Exception {
    assertThat(RootlessRuns.run(busybox("exit", "exit 7")).code()).isEqualTo(7);
    try (Container c = busybox("sig", "echo up; sleep 60").start()) {
      new BufferedReader(new InputStreamReader(c.stdout())).readLine(); // the command runs
      c.kill(Signal.TERM);
      c.waitFor();
      assertThat(c.exitStatus().reason()).isEqualTo(ExitStatus.Reason.SIGNALED);
      assertThat(c.exitStatus().signal()).isEqualTo(15);
    }
  }

  @Test
  void execRunsInsideTheContainersUserNamespace() throws Exception {
    try (Container c = busybox("exec", "sleep 60").start();
        var p = c.exec(dev.poc.ExecSpec.builder().command("sh", "-c", "id -u; hostname").build())) {
      String out = new String(p.stdout().readAllBytes());
      assertThat(p.waitFor()).isZero();
      assertThat(out).isEqualTo("0\n" + c.name() + "\n");
    }
  }
}
