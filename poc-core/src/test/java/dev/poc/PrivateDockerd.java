package dev.poc;

import dev.poc.host.Mounts;
import dev.poc.host.Tool;
import dev.poc.launch.Release;
import dev.poc.storage.DockerEngine;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A dockerd of the test's own: private socket, data root, exec root, pidfile and cgroup parent
 * under a temp dir, no iptables, no bridge, so it never touches the host's Docker state. Stopped,
 * and its cgroups and files removed, by {@link #close()}.
 */
final class PrivateDockerd implements AutoCloseable {
  private final Path dir;
  private final String cgroupParent;
  private final Process process;

  private PrivateDockerd(Path dir, String cgroupParent, Process process) {
    this.dir = dir;
    this.cgroupParent = cgroupParent;
    this.process = process;
  }

  /**
   * Starts one. Without dockerd installed the test fails on CI (where .ci/run installs docker.io)
   * and is skipped, with the reason, elsewhere.
   */
  static PrivateDockerd start(String... extraArgs) throws IOException, InterruptedException {
    if (Tool.locate("dockerd").isEmpty() || Tool.locate("docker").isEmpty()) {
      String why = "dockerd and the docker CLI are needed for the Docker image tests: apt-get install docker.io";
      if (System.getenv("CI") != null) {
        throw new IllegalStateException(why + " (.ci/run installs it; CI is set, so this is a failure)");
      }
      Assumptions.abort(why + " (skipped: CI is not set)");
    }
    String id = UUID.randomUUID().toString().substring(0, 8);
    Path dir = Files.createTempDirectory("pocd-"); // short: socket paths under it must fit in 108 bytes
    String cgroupParent = "dockertest-" + id;
    List<String> cmd = new ArrayList<>(List.of(Tool.locate("dockerd").orElseThrow().toString(),
        "--host", "unix://" + dir.resolve("docker.sock"),
        "--data-root", dir.resolve("data").toString(),
        "--exec-root", dir.resolve("exec").toString(),
        "--pidfile", dir.resolve("docker.pid").toString(),
        "--iptables=false", "--ip6tables=false", "--ip-forward=false", "--ip-masq=false", "--bridge=none",
        "--cgroup-parent=" + cgroupParent, "--log-level=warn"));
    cmd.addAll(List.of(extraArgs));
    Process p = new ProcessBuilder(cmd)
        .redirectErrorStream(true).redirectOutput(dir.resolve("dockerd.log").toFile()).start();
    PrivateDockerd d = new PrivateDockerd(dir, cgroupParent, p);
    DockerEngine engine = new DockerEngine(d.socket());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (engine.unavailable().isPresent()) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        String log = Files.readString(dir.resolve("dockerd.log"));
        d.close();
        throw new IllegalStateException("the test's dockerd did not come up: " + log);
      }
      Thread.sleep(200);
    }
    return d;
  }

  /** The daemon's own directory (a temp dir, removed by close). */
  Path dir() {
    return dir;
  }

  /** The cgroup parent its containers are put under (a name of each hierarchy's root). */
  String cgroupParent() {
    return cgroupParent;
  }

  Path socket() {
    return dir.resolve("docker.sock");
  }

  /** Runs the docker CLI against this daemon; returns its output. */
  String docker(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(Tool.locate("docker").orElseThrow().toString(), "-H", "unix://" + socket()));
    cmd.addAll(List.of(args));
    return StorageFixtures.exec(cmd.toArray(String[]::new));
  }

  @Override
  public void close() throws IOException, InterruptedException {
    process.destroy(); // SIGTERM: dockerd stops its containerd and unmounts its layers
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
    Mounts.unmountAll(dir);
    removeCgroups();
    Release.deleteTree(dir);
  }

  private void removeCgroups() throws IOException {
    Path root = Path.of("/sys/fs/cgroup");
    List<Path> hierarchies = new ArrayList<>(List.of(root));
    try (DirectoryStream<Path> s = Files.newDirectoryStream(root, Files::isDirectory)) {
      s.forEach(hierarchies::add);
    }
    for (Path h : hierarchies) {
      Path group = h.resolve(cgroupParent);
      if (Files.isDirectory(group)) {
        try (var tree = Files.walk(group)) {
          for (Path g : tree.filter(Files::isDirectory).sorted(java.util.Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(g); // rmdir of an empty cgroup
          }
        }
      }
    }
  }
}
