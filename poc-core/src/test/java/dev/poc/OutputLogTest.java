package dev.poc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Stdio.LOG, the default: output drained by poc-init into a capped log, never blocking, never lost. */
class OutputLogTest {
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

  private static ContainerSpec.Builder bb(String name) throws Exception {
    return runtime.container().name(name).rootfs(Rootfs.directory(TestRootfs.busybox()));
  }

  @Test
  void tenMegabytesOnEachStreamWithNoReaderCompleteAndTheLogKeepsItsTailWithinTheCap() throws Exception {
    String name = TestRootfs.uniqueName("flood");
    long cap = 1L << 20;
    // 10 MB of 'o' lines on stdout, then 10 MB of 'e' lines on stderr (in that order, so that the
    // tail the cap keeps holds 'e' lines), then a last line on each
    String script = "i=0; line=$(head -c 1023 /dev/zero | tr '\\0' o); while [ $i -lt 10240 ]; do echo $line; i=$((i+1)); done;"
        + " j=0; eline=$(head -c 1023 /dev/zero | tr '\\0' e); while [ $j -lt 10240 ]; do echo $eline >&2; j=$((j+1)); done;"
        + " echo last-out; echo last-err >&2";
    try (Container c = bb(name).logMaxBytes(cap).command("sh", "-c", script).start()) {
      assertThat(c.waitFor()).isZero(); // nobody read a byte: it did not block
      Path dir = stateRoot.resolve("logs").resolve(name);
      assertThat(Files.size(dir.resolve("output.log"))).isLessThanOrEqualTo(cap);
      assertThat(Files.size(dir.resolve("output.log.1"))).isLessThanOrEqualTo(cap);
      LogSnapshot all = c.logs(0);
      assertThat(all.exit()).contains(ExitStatus.exited(0));
      assertThat(all.text(OutputFrame.Type.STDOUT)).endsWith("last-out\n"); // stdout ended long before stderr
      assertThat(all.text(OutputFrame.Type.STDERR)).endsWith("e\nlast-err\n");
      assertThat(all.nextOffset()).isEqualTo(2L * 10240 * 1024 + "last-out\nlast-err\n".length());
      long kept = all.text().length();
      assertThat(kept).isGreaterThanOrEqualTo(cap - 64 * 1024).isLessThanOrEqualTo(2 * cap);
    }
    assertThat(stateRoot.resolve("logs").resolve(name)).doesNotExist(); // close() removed it
  }

  @Test
  void logsAfterTheEndHaveEveryLineAndStreamsReadAsBefore() throws Exception {
    String name = TestRootfs.uniqueName("lines");
    try (Container c = bb(name).command("sh", "-c", "seq 1 50001; echo err >&2").start()) {
      String out = new String(c.stdout().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(out.split("\n")).hasSize(50001).endsWith("50001");
      assertThat(new String(c.stderr().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("err\n");
      c.stop(Duration.ofSeconds(1));
      LogSnapshot logs = c.logs(0); // the streams interleave where poc-init read them, not by line
      assertThat(logs.text(OutputFrame.Type.STDOUT)).isEqualTo(out);
      assertThat(logs.text(OutputFrame.Type.STDERR)).isEqualTo("err\n");
      assertThat(c.logs()).hasSize(out.length() + 4);
      // from an offset on: only what came after it
      LogSnapshot tail = c.logs(out.length() + 4 - 6); // the last 6 bytes, of whichever streams
      assertThat(tail.text()).hasSize(6).contains("1\n");
    }
  }

  @Test
  void followOutputHandsOverEverythingAndEndsWithTheExit() throws Exception {
    String name = TestRootfs.uniqueName("follow");
    try (Container c = bb(name).command("sh", "-c", "for i in 1 2 3; do echo out$i; echo err$i >&2; sleep 0.05; done; exit 3")
        .start()) {
      List<OutputFrame> frames = new ArrayList<>();
      Optional<ExitStatus> exit = c.followOutput(f -> {
        synchronized (frames) {
          frames.add(f);
        }
      }).get();
      assertThat(exit).contains(ExitStatus.exited(3));
      StringBuilder out = new StringBuilder();
      StringBuilder err = new StringBuilder();
      for (OutputFrame f : frames) {
        (f.type() == OutputFrame.Type.STDOUT ? out : err).append(f.utf8String());
      }
      assertThat(out.toString()).isEqualTo("out1\nout2\nout3\n");
      assertThat(err.toString()).isEqualTo("err1\nerr2\nerr3\n");
    }
  }

  @Test
  void aDetachedContainerLogsAndAnotherRuntimeFollowsItToItsExit() throws Exception {
    String name = TestRootfs.uniqueName("dlog");
    Container c = bb(name).detached(true).stdin(Stdio.DISCARD)
        .command("sh", "-c", "echo started; sleep 0.3; echo done; exit 4").start();
    try (ContainerRuntime other = ContainerRuntime.open(stateRoot)) {
      StringBuilder seen = new StringBuilder();
      Optional<ExitStatus> exit = other.followOutput(name, 0, f -> seen.append(f.utf8String())).get();
      assertThat(seen.toString()).isEqualTo("started\ndone\n");
      assertThat(exit).contains(ExitStatus.exited(4));
      assertThat(other.logs(name, 0).text()).isEqualTo("started\ndone\n");
    } finally {
      c.waitFor();
      c.close();
    }
    // a detached container's log stays until it is removed
    assertThat(runtime.logs(name, 0).exit()).contains(ExitStatus.exited(4));
    runtime.remove(name, false);
    assertThatThrownBy(() -> runtime.logs(name, 0)).isInstanceOf(NotFoundException.class).hasMessageContaining("no log");
  }

  @Test
  void pipesStayAnExplicitChoiceAndExecHasNoLog() throws Exception {
    String name = TestRootfs.uniqueName("pipe");
    try (Container c = bb(name).stdout(Stdio.PIPE).stderr(Stdio.DISCARD).command("echo", "piped").start()) {
      assertThat(new String(c.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("piped\n");
      assertThatThrownBy(c::logs).isInstanceOf(IllegalStateException.class); // neither stream goes to a log
    }
    assertThatThrownBy(() -> ExecSpec.builder().command("true").stdout(Stdio.LOG).build())
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("an exec'd command has none");
  }
}
