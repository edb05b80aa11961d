package dev.poc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poc.OciBundles.Result;
import dev.poc.host.Mounts;
import dev.poc.host.Tool;
import dev.poc.launch.Release;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * containerd (Debian's) drives poc-oci through its runc shim: one private containerd for the class
 * (its own root, state, sockets and plugin dir; no CRI plugin, so nothing pulls, serves or reaches
 * out), a busybox OCI archive made here with umoci and loaded with {@code ctr image import}, then
 * {@code ctr run --runc-binary poc-oci --runc-root DIR} (exit code and output) and {@code ctr task
 * kill} of a task that ignores SIGTERM. Stopped, and everything it made removed, after the class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OciContainerdTest {
  private static final String IMAGE = "localhost/poc-oci-busybox:test";

  private Path work;
  private Path pocOci;
  private Process containerd;

  @BeforeAll
  void startContainerd() throws Exception {
    for (String tool : new String[] {"containerd", "ctr", "umoci"}) {
      if (Tool.locate(tool).isEmpty()) {
        String why = tool + " is needed for the containerd test: apt-get install containerd umoci";
        if (System.getenv("CI") != null) {
          throw new IllegalStateException(why + " (.ci/run installs it; CI is set, so this is a failure)");
        }
        Assumptions.abort(why + " (skipped: CI is not set)");
      }
    }
    work = Files.createTempDirectory("pocctr-"); // short: the sockets under it must fit in 108 bytes
    pocOci = OciBundles.frontLauncherWithServer(work); // creates through the create server once one runs
    Path config = work.resolve("containerd.toml");
    Files.writeString(config, """
        version = 2
        root = "%1$s/root"
        state = "%1$s/state"
        temp = "%1$s/tmp"
        # the CRI plugin pulls sandbox images and serves a stream port; the other snapshotters are unused here
        disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",
          "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper",
          "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp",
          "io.containerd.internal.v1.tracing"]
        [grpc]
          address = "%1$s/c.sock"
        [ttrpc]
          address = "%1$s/c.sock.ttrpc"
        [debug]
          address = ""
        [metrics]
          address = ""
        [plugins."io.containerd.internal.v1.opt"]
          path = "%1$s/opt"
        """.formatted(work));
    Files.createDirectories(work.resolve("tmp"));
    containerd = new ProcessBuilder(Tool.locate("containerd").orElseThrow().toString(), "--config", config.toString())
        .redirectErrorStream(true).redirectOutput(work.resolve("containerd.log").toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (ctr("version").code() != 0) {
      if (!containerd.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException("the test's containerd did not come up: " + Files.readString(work.resolve("containerd.log")));
      }
      Thread.sleep(100);
    }
    Result imported = ctr("image", "import", "--base-name", IMAGE.substring(0, IMAGE.indexOf(':')), ociArchive().toString());
    assertThat(imported.code()).as("ctr image import: %s", imported.err()).isZero();
  }

  /** busybox as an OCI image archive (index.json, blobs), tagged "test", built with umoci. */
  private Path ociArchive() throws IOException, InterruptedException {
    Path layout = work.resolve("layout");
    Path unpacked = work.resolve("unpacked");
    String umoci = Tool.locate("umoci").orElseThrow().toString();
    StorageFixtures.exec(umoci, "init", "--layout", layout.toString());
    StorageFixtures.exec(umoci, "new", "--image", layout + ":test");
    StorageFixtures.exec(umoci, "unpack", "--image", layout + ":test", unpacked.toString());
    TestRootfs.makeBusybox(unpacked.resolve("rootfs"));
    StorageFixtures.exec(umoci, "repack", "--image", layout + ":test", unpacked.toString());
    StorageFixtures.exec(umoci, "config", "--image", layout + ":test", "--config.cmd", "sh");
    Path archive = work.resolve("busybox-oci.tar");
    StorageFixtures.exec("tar", "-C", layout.toString(), "-cf", archive.toString(), ".");
    Release.deleteTree(unpacked);
    return archive;
  }

  @AfterAll
  void stopContainerd() throws Exception {
    if (work == null) {
      return;
    }
    try {
      if (containerd != null) {
        // every task gone first: a shim outlives its containerd
        for (String id : ctr("task", "ls", "-q").out().split("\n")) {
          if (!id.isBlank()) {
            ctr("task", "kill", "-s", "SIGKILL", id);
            ctr("task", "delete", "--force", id);
          }
        }
        for (String id : ctr("container", "ls", "-q").out().split("\n")) {
          if (!id.isBlank()) {
            ctr("container", "delete", id);
          }
        }
        ctr("image", "rm", IMAGE);
        containerd.destroy(); // SIGTERM
        if (!containerd.waitFor(30, TimeUnit.SECONDS)) {
          containerd.destroyForcibly().waitFor();
        }
      }
      assertThat(shims()).as("containerd-shim processes of the test's containerd").isEmpty();
    } finally {
      OciBundles.stopServers(work);
      Mounts.unmountAll(work);
      Release.deleteTree(work);
    }
  }

  private Result ctr(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(Tool.locate("ctr").orElseThrow().toString(),
        "--address", work.resolve("c.sock").toString()));
    cmd.addAll(List.of(args));
    return OciBundles.run(work, cmd);
  }

  /** ctr run with poc-oci as the shim's runtime, its state under the test's directory, then {@code args}. */
  private Result run(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("run", "--runc-binary", pocOci.toString(),
        "--runc-root", work.resolve("oci").toString(), "--fifo-dir", work.resolve("fifo").toString()));
    cmd.addAll(List.of(args));
    return ctr(cmd.toArray(String[]::new));
  }

  @Test
  void runGivesTheExitCodeStdoutAndStderr() throws Exception {
    String id = TestRootfs.uniqueName("ctr");
    Result r = run("--rm", IMAGE, id, "sh", "-c", "echo out-$(hostname); echo err >&2; exit 7");
    assertThat(r.err()).isEqualTo("err\n");
    assertThat(r.out()).isEqualTo("out-" + id + "\n"); // ctr's hostname: the container's id
    assertThat(r.code()).isEqualTo(7);
    assertNothingLeft();
  }

  @Test
  void taskKillEndsATaskThatIgnoresSigterm() throws Exception {
    String id = TestRootfs.uniqueName("ctr");
    Result started = run("-d", IMAGE, id, "sh", "-c", "trap '' TERM; while true; do sleep 1; done");
    assertThat(started.code()).as(started.err()).isZero();
    assertThat(ctr("task", "ls").out()).containsPattern(id + "\\s+\\d+\\s+RUNNING");
    assertThat(ctr("task", "kill", "-s", "SIGKILL", id).code()).isZero();
    while (!ctr("task", "ls").out().matches("(?s).*" + id + "\\s+\\d+\\s+STOPPED.*")) {
      Thread.sleep(20);
    }
    Result deleted = ctr("task", "delete", id);
    assertThat(deleted.code()).as(deleted.err()).isZero();
    assertThat(deleted.err()).contains("exit code 137");
    assertThat(ctr("container", "delete", id).code()).isZero();
    assertNothingLeft();
  }

  /** Nothing under the runtime root the shim gave poc-oci: no container's state, no run of poc's. */
  private void assertNothingLeft() throws IOException {
    Path root = work.resolve("oci/default");
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

  /** Shims started by this class's containerd: their command line names its socket. */
  private List<Long> shims() {
    String address = work.resolve("c.sock").toString();
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().map(c -> c.contains("containerd-shim") && c.contains(address)).orElse(false))
        .map(ProcessHandle::pid).toList();
  }
}
