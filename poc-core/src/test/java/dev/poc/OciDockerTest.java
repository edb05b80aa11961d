package dev.poc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poc.OciBundles.Result;
import dev.poc.host.Tool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Docker drives poc-oci: a private dockerd (its own socket, data and exec roots; no iptables, no
 * bridge) with {@code --add-runtime poc=...}, a busybox image made with {@code docker import} of a
 * tarball built here (never a pull), and {@code docker run --runtime poc --network none}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OciDockerTest {
  private static final String IMAGE = "poc-oci-busybox:test";

  private PrivateDockerd dockerd;
  private Path work;

  @BeforeAll
  void startDockerd() throws Exception {
    work = Files.createTempDirectory("poc-oci-docker");
    Path pocOci = OciBundles.launcher(work);
    dockerd = PrivateDockerd.start("--add-runtime", "poc=" + pocOci);
    Path rootfs = work.resolve("rootfs");
    TestRootfs.makeBusybox(rootfs);
    Path tar = work.resolve("busybox.tar");
    StorageFixtures.exec("tar", "-C", rootfs.toString(), "-cf", tar.toString(), ".");
    dockerd.docker("import", tar.toString(), IMAGE);
  }

  @AfterAll
  void stopDockerd() throws Exception {
    try {
      if (dockerd != null) {
        dockerd.close();
      }
    } finally {
      dev.poc.launch.Release.deleteTree(work);
    }
  }

  private Result docker(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(Tool.locate("docker").orElseThrow().toString(), "-H",
        "unix://" + dockerd.socket()));
    cmd.addAll(List.of(args));
    return OciBundles.run(work, cmd);
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
  void stopKillsAProcessThatIgnoresSigterm() throws Exception {
    Result run = docker("run", "-d", "--runtime", "poc", "--network", "none", IMAGE,
        "sh", "-c", "trap '' TERM; echo up; while true; do sleep 1; done");
    assertThat(run.code()).as(run.err()).isZero();
    String id = run.out().trim();
    while (!docker("logs", id).out().contains("up")) {
      Thread.sleep(20);
    }
    assertThat(docker("stop", "-t", "1", id).code()).isZero();
    assertThat(docker("inspect", "-f", "{{.State.ExitCode}}", id).out().trim()).isEqualTo("137");
    assertThat(docker("rm", id).code()).isZero();
    assertNothingLeft();
  }

  @Test
  void killEndsTheContainer() throws Exception {
    Result run = docker("run", "-d", "--runtime", "poc", "--network", "none", IMAGE, "sleep", "1000");
    assertThat(run.code()).as(run.err()).isZero();
    String id = run.out().trim();
    assertThat(docker("kill", "--signal", "KILL", id).code()).isZero();
    assertThat(docker("wait", id).out().trim()).isEqualTo("137");
    assertThat(docker("rm", id).code()).isZero();
    assertNothingLeft();
  }

  /** No container state left under the runtime root Docker gives poc-oci (its shim's default). */
  private void assertNothingLeft() throws IOException {
    Path root = dockerd.dir().resolve("exec/runtime-runc/moby");
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
