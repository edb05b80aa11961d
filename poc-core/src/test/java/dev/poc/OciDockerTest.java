package dev.poc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.poc.OciBundles.Result;
import dev.poc.host.Tool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Docker drives poc-oci: a private dockerd (its own socket, data and exec roots; no iptables, no
 * bridge) with {@code --add-runtime poc=...}, started once for the class, a busybox image made
 * with {@code docker import} of a tarball built here (never a pull), and {@code docker run
 * --runtime poc --network none}: run, exec, -it under tmux, stop, kill, pause/unpause, an OOM,
 * and the confinement flags. After each container, nothing of it is left (state, run record,
 * cgroups); after the class, no dockerd, mount or cgroup of the daemon's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OciDockerTest {
  private static final String IMAGE = "poc-oci-busybox:test";
  private static final ObjectMapper JSON = new ObjectMapper();

  private PrivateDockerd dockerd;
  private Path work;
  private Path pocOci;

  @BeforeAll
  void startDockerd() throws Exception {
    work = Files.createTempDirectory("poc-oci-docker");
    // as ./poc-oci: the native front, creates through the create server once the first has started it, then the JVM
    pocOci = OciBundles.frontLauncherWithServer(work);
    dockerd = PrivateDockerd.start("--add-runtime", "poc=" + pocOci);
    Path rootfs = work.resolve("rootfs");
    TestRootfs.makeBusybox(rootfs);
    Path tar = work.resolve("busybox.tar");
    StorageFixtures.exec("tar", "-C", rootfs.toString(), "-cf", tar.toString(), ".");
    dockerd.docker("import", tar.toString(), IMAGE);
  }

  @AfterAll
  void stopDockerd() throws Exception {
    Path dir = dockerd == null ? null : dockerd.dir();
    try {
      if (dockerd != null) {
        dockerd.close();
      }
    } finally {
      assertThat(OciBundles.serverRan(work)).as("the first create started a create server").isTrue();
      OciBundles.stopServers(work);
      dev.poc.launch.Release.deleteTree(work);
    }
    if (dir != null) {
      String d = dir.toString();
      assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(d)))
          .as("dockerd, containerd or a shim of the test's daemon still runs").isEmpty();
      assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo"))).as("mounts under " + d)
          .noneMatch(line -> line.split(" ")[4].startsWith(d));
      assertThat(Path.of("/sys/fs/cgroup/memory", dockerd.cgroupParent())).doesNotExist();
    }
  }

  private Result docker(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(Tool.locate("docker").orElseThrow().toString(), "-H",
        "unix://" + dockerd.socket()));
    cmd.addAll(List.of(args));
    return OciBundles.run(work, cmd);
  }

  /** {@code docker run -d}: the new container's id. */
  private String runDetached(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("run", "-d", "--runtime", "poc", "--network", "none"));
    cmd.addAll(List.of(args));
    Result run = docker(cmd.toArray(String[]::new));
    assertThat(run.code()).as(run.err()).isZero();
    return run.out().trim();
  }

  /** What poc-oci itself says of the container, under the root Docker's shim gives it. */
  private String pocStatus(String id) throws IOException, InterruptedException {
    Result r = OciBundles.run(work, List.of(pocOci.toString(), "--root", runtimeRoot().toString(), "state", id));
    assertThat(r.code()).as(r.err()).isZero();
    return JSON.readTree(r.out()).get("status").asText();
  }

  @Test
  void runGivesTheExitCodeStdoutAndStderr() throws Exception {
    Result r = docker("run", "--runtime", "poc", "--rm", "--network", "none", IMAGE,
        "sh", "-c", "echo out-$(cat /etc/hostname | wc -c); echo err >&2; exit 7");
    assertThat(r.err()).isEqualTo("err\n");
    assertThat(r.out()).isEqualTo("out-13\n"); // Docker's hostname: 12 hex digits and a newline
    assertThat(r.code()).isEqualTo(7);
    assertNothingLeft();
  }

  @Test
  void execRunsInTheContainerAndPauseFreezesIt() throws Exception {
    String id = runDetached(IMAGE, "sleep", "1000");
    Result exec = docker("exec", "-e", "GREETING=hi", id, "sh", "-c",
        "echo $GREETING from $(hostname) as pid $$; echo oops >&2; exit 4");
    assertThat(exec.code()).as(exec.err()).isEqualTo(4);
    assertThat(exec.out()).as("the container's namespaces: its hostname, its pids (1 the init, 2 sleep)")
        .isEqualTo("hi from " + id.substring(0, 12) + " as pid 3\n");
    assertThat(exec.err()).isEqualTo("oops\n");

    Result top = docker("top", id); // the shim's ps --format json, then the host's ps of those pids
    assertThat(top.code()).as(top.err()).isZero();
    assertThat(top.out()).contains("sleep 1000");

    assertThat(docker("pause", id).code()).isZero();
    assertThat(docker("inspect", "-f", "{{.State.Paused}}", id).out().trim()).isEqualTo("true");
    assertThat(pocStatus(id)).isEqualTo("paused");
    assertThat(docker("unpause", id).code()).isZero();
    assertThat(pocStatus(id)).isEqualTo("running");
    assertThat(docker("exec", id, "true").code()).as("exec after unpause").isZero();

    assertThat(docker("rm", "-f", id).code()).isZero();
    assertNothingLeft(id);
  }

  @Test
  void runAndExecWithATerminalUnderTmux() throws Exception {
    Path tmux = Tool.locate("tmux").orElse(null);
    Assumptions.assumeTrue(tmux != null, "tmux is not installed (apt-get install tmux): the -it test is skipped");
    String id = runDetached(IMAGE, "sleep", "1000");
    String server = "poc-oci-" + TestRootfs.uniqueName("t");
    String interactive = TestRootfs.uniqueName("it");
    String docker = Tool.locate("docker").orElseThrow() + " -H unix://" + dockerd.socket();
    try {
      tmux(tmux, server, "new-session", "-d", "-s", "main", "-x", "100", "-y", "30",
          docker + " run -it --rm --name " + interactive + " --runtime poc --network none " + IMAGE
              + " sh; echo RUN-EXITED-$?; sleep 600");
      awaitScreen(tmux, server, "main:0", s -> s.contains("/ #"), "the shell's prompt");
      String size = tmuxOut(tmux, server, "display-message", "-p", "-t", "main:0", "#{pane_height} #{pane_width}").trim();
      tmux(tmux, server, "send-keys", "-t", "main:0", "stty size; echo typed-$((6*7))", "Enter");
      awaitScreen(tmux, server, "main:0", s -> s.contains("typed-42"), "the shell's answer");
      tmux(tmux, server, "send-keys", "-t", "main:0", "exit 3", "Enter");
      String screen = awaitScreen(tmux, server, "main:0", s -> s.contains("RUN-EXITED-"), "docker run's end");
      assertThat(screen).as("the terminal's size reached the container's pty").contains("\n" + size + "\n");
      assertThat(screen).contains("RUN-EXITED-3");

      tmux(tmux, server, "new-window", "-d", "-t", "main:1", docker + " exec -it " + id + " sh; echo EXEC-EXITED-$?; sleep 600");
      awaitScreen(tmux, server, "main:1", s -> s.contains("/ #"), "the exec'd shell's prompt");
      tmux(tmux, server, "send-keys", "-t", "main:1", "tty; echo exec-$((6*7)); exit 5", "Enter");
      screen = awaitScreen(tmux, server, "main:1", s -> s.contains("EXEC-EXITED-"), "docker exec's end");
      assertThat(screen).contains("/dev/pts/").contains("exec-42").contains("EXEC-EXITED-5");
    } finally {
      OciBundles.run(work, List.of(tmux.toString(), "-L", server, "kill-server"));
      docker("rm", "-f", interactive); // gone already, unless the test failed before its exit
    }
    assertThat(docker("rm", "-f", id).code()).isZero();
    assertNothingLeft(id);
  }

  private void tmux(Path tmux, String server, String... args) throws IOException, InterruptedException {
    tmuxOut(tmux, server, args);
  }

  private String tmuxOut(Path tmux, String server, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(tmux.toString(), "-L", server));
    cmd.addAll(List.of(args));
    Result r = OciBundles.run(work, cmd);
    assertThat(r.code()).as("tmux %s: %s", args[0], r.err()).isZero();
    return r.out();
  }

  /** Polls pane {@code target} until {@code done} holds (a minute at most: then it fails, showing the screen). */
  private String awaitScreen(Path tmux, String server, String target, Predicate<String> done, String what)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + 60_000_000_000L;
    String screen = "";
    while (System.nanoTime() < deadline) {
      Result r = OciBundles.run(work, List.of(tmux.toString(), "-L", server, "capture-pane", "-p", "-t", target));
      screen = r.out();
      if (done.test(screen)) {
        return screen;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no " + what + " on the terminal within a minute; it shows:\n" + screen);
  }

  @Test
  void stopKillsAProcessThatIgnoresSigterm() throws Exception {
    String id = runDetached(IMAGE, "sh", "-c", "trap '' TERM; echo up; while true; do sleep 1; done");
    while (!docker("logs", id).out().contains("up")) {
      Thread.sleep(20);
    }
    assertThat(docker("stop", "-t", "1", id).code()).isZero();
    assertThat(docker("inspect", "-f", "{{.State.ExitCode}}", id).out().trim()).isEqualTo("137");
    assertThat(docker("rm", id).code()).isZero();
    assertNothingLeft(id);
  }

  @Test
  void killEndsTheContainer() throws Exception {
    String id = runDetached(IMAGE, "sleep", "1000");
    assertThat(docker("kill", "--signal", "KILL", id).code()).isZero();
    assertThat(docker("wait", id).out().trim()).isEqualTo("137");
    assertThat(docker("rm", id).code()).isZero();
    assertNothingLeft(id);
  }

  @Test
  void anOutOfMemoryKillIsWhatDockerReports() throws Exception {
    // tail keeps a line of /dev/zero, which never ends, in memory: past 32 MiB the kernel kills it
    String name = TestRootfs.uniqueName("oom");
    Result run = docker("run", "--runtime", "poc", "--network", "none", "--memory", "32m", "--name", name, IMAGE,
        "tail", "/dev/zero");
    assertThat(run.code()).as(run.err()).isEqualTo(137);
    String id = docker("inspect", "-f", "{{.Id}}", name).out().trim();
    // Docker learns it from the shim, which watches the container's memory.oom_control (v1) or memory.events
    assertThat(docker("inspect", "-f", "{{.State.OOMKilled}}", id).out().trim()).isEqualTo("true");
    assertThat(docker("rm", id).code()).isZero();
    assertNothingLeft(id);
  }

  @Test
  void readOnlyNoCapabilitiesNoNetworkAndAPidsLimit() throws Exception {
    Result r = docker("run", "--rm", "--runtime", "poc", "--network", "none", "--read-only", "--cap-drop", "ALL",
        "--pids-limit", "10", IMAGE, "sh", "-c",
        "touch /new 2>/dev/null || echo read-only; grep CapEff /proc/self/status; ls /sys/class/net; "
            // a shell that cannot fork gives up (status 2); this one only says so. The sleeps die with the init.
            + "sh -c 'for i in $(seq 1 20); do sleep 30 & done'; echo forked");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("read-only\nCapEff:\t0000000000000000\nlo\nforked\n");
    assertThat(r.err()).as("the pids limit stops the shell's forks").contains("can't fork");
    assertNothingLeft();
  }

  @Test
  void aSeccompProfileConfinesTheContainerAndWhatIsExecdInIt() throws Exception {
    Path profile = work.resolve("no-mkdir.json");
    Files.writeString(profile, "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\", "
        + "\"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1}]}");
    String id = runDetached("--security-opt", "seccomp=" + profile, IMAGE, "sh", "-c",
        "mkdir /tmp/a 2>/dev/null || echo refused; sleep 1000");
    while (!docker("logs", id).out().contains("refused")) {
      Thread.sleep(20);
    }
    Result exec = docker("exec", id, "sh", "-c", "mkdir /tmp/b 2>/dev/null || echo exec-refused; touch /tmp/c && echo touched");
    assertThat(exec.out()).isEqualTo("exec-refused\ntouched\n");
    assertThat(docker("rm", "-f", id).code()).isZero();
    assertNothingLeft(id);
  }

  private Path runtimeRoot() {
    return dockerd.dir().resolve("exec/runtime-runc/moby");
  }

  /** Nothing of {@code id}: no state under the runtime root, no run record, no cgroup. */
  private void assertNothingLeft(String id) throws IOException {
    assertNothingLeft();
    try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
      assertThat(hierarchies.map(h -> h.resolve("poc").resolve(id))).as("cgroups of " + id).noneMatch(Files::exists);
    }
  }

  /** No container state left under the runtime root Docker gives poc-oci (its shim's default). */
  private void assertNothingLeft() throws IOException {
    Path root = runtimeRoot();
    if (!Files.isDirectory(root)) {
      return;
    }
    try (Stream<Path> s = Files.list(root)) {
      assertThat(s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("."))).isEmpty();
    }
    Path runs = root.resolve(".poc/run");
    if (Files.isDirectory(runs)) {
      try (Stream<Path> s = Files.list(runs)) {
        assertThat(s).isEmpty();
      }
    }
  }
}
