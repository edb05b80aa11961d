package dev.poc;

import dev.poc.launch.Launcher;
import dev.poc.state.NameLock;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Exit codes, signals, streams, process attributes and the stop/kill/crash paths. */
class LifecycleTest extends RuntimeTestBase {
  private static ContainerSpec.Builder bb(String script) {
    return busybox("life", script);
  }

  @Test
  void exitCodesPropagate() throws Exception {
    assertThat(Run.of(bb("exit 0")).status).isEqualTo(ExitStatus.exited(0));
    assertThat(Run.of(bb("exit 42")).status).isEqualTo(ExitStatus.exited(42));
  }

  @Test
  void aSignalEndingTheCommandIsReportedAs128PlusN() throws Exception {
    Run r = Run.of(bb("kill -USR1 $$; sleep 5"));
    assertThat(r.status.reason()).isEqualTo(ExitStatus.Reason.SIGNALED);
    assertThat(r.status.signal()).isEqualTo(10);
    assertThat(r.code()).isEqualTo(138);
  }

  @Test
  void killDeliversTheSignalToTheCommand() throws Exception {
    try (Container c = bb("trap 'echo got-hup; exit 7' HUP; echo ready; while true; do sleep 0.05; done").start()) {
      var out = new java.io.BufferedReader(new java.io.InputStreamReader(c.stdout()));
      assertThat(out.readLine()).isEqualTo("ready");
      c.kill(Signal.HUP);
      assertThat(out.readLine()).isEqualTo("got-hup");
      assertThat(c.waitFor()).isEqualTo(7);
    }
  }

  @Test
  void stdinStdoutAndStderrWork() throws Exception {
    try (Container c = bb("read line; echo out:$line; echo err:$line >&2").start()) {
      try (OutputStream in = c.stdin()) {
        in.write("hello\n".getBytes(StandardCharsets.UTF_8));
      }
      assertThat(new String(c.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("out:hello\n");
      assertThat(new String(c.stderr().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("err:hello\n");
      assertThat(c.waitFor()).isZero();
    }
  }

  @Test
  void envCwdAndUserApply() throws Exception {
    Run r = Run.of(bb("echo $GREETING; pwd; id -u; id -g; id -G; grep Cap[EP] /proc/self/status")
        .putEnv("GREETING", "hi there").cwd("/tmp").user(1000, 1001).addAdditionalGids(1002));
    assertThat(r.out).startsWith("hi there\n/tmp\n1000\n1001\n1001 1002\n")
        .contains("CapPrm:\t0000000000000000").contains("CapEff:\t0000000000000000");
  }

  @Test
  void defaultEnvironmentIsSet() throws Exception {
    Run r = Run.of(bb("echo $PATH; echo $HOSTNAME; echo $HOME"));
    String name = r.out.split("\n")[1];
    assertThat(name).startsWith("life-");
    assertThat(r.out).startsWith(Launcher.DEFAULT_PATH + "\n").endsWith("/root\n");
  }

  @Test
  void stopEscalatesToSigkillWhenTermIsIgnored() throws Exception {
    try (Container c = bb("trap '' TERM; echo ready; while true; do sleep 0.05; done").start()) {
      new java.io.BufferedReader(new java.io.InputStreamReader(c.stdout())).readLine();
      long t0 = System.nanoTime();
      c.stop(Duration.ofMillis(300));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertThat(c.exitStatus()).isEqualTo(ExitStatus.signaled(9));
      assertThat(ms).isGreaterThanOrEqualTo(300); // it waited for the grace period first
    }
  }

  @Test
  void stopEndsAnOrdinaryCommandWithTerm() throws Exception {
    try (Container c = runtime.container().name(TestRootfs.uniqueName("term")).rootfs(Rootfs.directory(busybox))
        .command("sleep", "100").start()) {
      c.stop(Duration.ofSeconds(5));
      assertThat(c.exitStatus()).isEqualTo(ExitStatus.signaled(15));
    }
  }

  @Test
  void aNameCanBeReusedAfterClose() throws Exception {
    String name = TestRootfs.uniqueName("reuse");
    for (int i = 0; i < 3; i++) {
      Run r = Run.of(runtime.container().name(name).rootfs(Rootfs.directory(busybox)).command("true"));
      assertThat(r.code()).isZero();
    }
    assertThat(runtime.runDir(name)).doesNotExist();
  }

  @Test
  void bindMountsAreWritableOrReadOnlyAsAsked() throws Exception {
    Path rw = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "rw");
    Path ro = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "ro");
    Files.writeString(ro.resolve("in.txt"), "from host\n");
    Run r = Run.of(bb("echo written > /data/out.txt; cat /config/in.txt; echo x > /config/y 2>/dev/null || echo ro-refused")
        .bind(rw, "/data", false).bind(ro, "/config", true));
    assertThat(r.out).isEqualTo("from host\nro-refused\n");
    assertThat(Files.readString(rw.resolve("out.txt"))).isEqualTo("written\n");
    assertThat(ro.resolve("y")).doesNotExist();
  }

  @Test
  void waitForWithATimeoutReturnsFalseWhileRunning() throws Exception {
    try (Container c = bb("sleep 100").start()) {
      assertThat(c.waitFor(Duration.ofMillis(50))).isFalse();
      assertThat(c.isRunning()).isTrue();
    }
  }

  @Test
  void killingTheJvmWithSigkillLeavesNoContainerProcessAndANewRuntimeReclaims() throws Exception {
    Path state = TestRootfs.stateRoot();
    String name = TestRootfs.uniqueName("crash");
    int[] init = new int[1];
    Process jvm = ChildJvm.startSleeper(state, name, busybox, init);
    assertThat(ProcessHandle.of(init[0])).isPresent();
    jvm.destroyForcibly(); // SIGKILL
    jvm.waitFor();
    for (int i = 0; i < 200 && ProcessHandle.of(init[0]).isPresent(); i++) {
      Thread.sleep(10);
    }
    assertThat(ProcessHandle.of(init[0])).as("container init after its JVM was killed").isEmpty();
    assertThat(state.resolve("run").resolve(name)).exists(); // nobody has cleaned up yet
    try (ContainerRuntime fresh = ContainerRuntime.open(state)) {
      assertThat(state.resolve("run").resolve(name)).doesNotExist();
      Run r = Run.of(fresh.container().name(name).rootfs(Rootfs.directory(busybox)).command("true"));
      assertThat(r.code()).isZero();
    }
  }

  @Test
  void startAndCloseLeakNoFileDescriptor() throws Exception {
    for (int i = 0; i < 5; i++) { // warm: the JVM opens its own files on first use
      Run.of(bb("true"));
    }
    long before = settledFds();
    for (int i = 0; i < 30; i++) {
      try (Container c = bb("echo x").start()) {
        c.waitFor();
      }
    }
    assertThat(settledFds()).isLessThanOrEqualTo(before + 3);
  }

  /**
   * The JVM's open fds once the spare helper a start refills in the background is in place (or
   * not): a count taken while it is being spawned differs by its socket and pipes.
   */
  private static long settledFds() throws Exception {
    long last = -1;
    for (int i = 0; i < 40; i++) {
      long now = openFds();
      if (now == last) {
        return now;
      }
      last = now;
      Thread.sleep(50);
    }
    return last;
  }

  private static long openFds() throws Exception {
    try (var s = Files.list(Path.of("/proc/self/fd"))) {
      return s.count();
    }
  }

  @Test
  void aReleasedNameLeavesNoLockFile() throws Exception {
    String name = TestRootfs.uniqueName("lockfile");
    try (Container c = runtime.container().name(name).rootfs(Rootfs.directory(busybox)).command("sleep", "30").start()) {
      assertThat(NameLock.DIR.resolve(name + ".lock")).exists();
    }
    assertThat(NameLock.DIR.resolve(name + ".lock")).doesNotExist();
  }

  @Test
  void signalsGoThroughAPidfdHeldOnlyWhileTheContainerRuns() throws Exception {
    long before = pidfds();
    Container c = bb("sleep 30").start();
    assertThat(pidfds()).as("pidfds while running").isEqualTo(before + 1);
    c.kill(Signal.TERM);
    assertThat(c.waitFor()).isEqualTo(143);
    assertThat(pidfds()).as("pidfds after release").isEqualTo(before);
    c.kill(Signal.KILL); // after release: nothing to signal, and no stale pid is used
    c.close();
  }

  private static long pidfds() throws Exception {
    try (var s = Files.list(Path.of("/proc/self/fd"))) {
      return s.filter(p -> {
        try {
          return Files.readSymbolicLink(p).toString().contains("pidfd");
        } catch (java.io.IOException e) {
          return false;
        }
      }).count();
    }
  }
}
