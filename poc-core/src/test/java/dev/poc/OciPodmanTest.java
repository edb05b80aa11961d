package dev.poc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poc.OciBundles.Result;
import dev.poc.host.Mounts;
import dev.poc.host.Tool;
import dev.poc.launch.Release;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * podman (Debian's) drives poc-oci: {@code podman --runtime poc-oci run --rm} with podman's own
 * root, run root and temp dir under a temp directory, the cgroupfs manager, a file events log, no
 * network, and a cgroup parent of the test's own; the busybox image comes from {@code podman
 * import} of a tarball built here (never a pull).
 *
 * <p>poc-oci runs through a wrapper that pins its {@code --root} to the temp directory: podman's
 * {@code --runtime-flag root=...} would reach the runtime from podman, but not from the
 * {@code podman container cleanup} that conmon runs when the container exits.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OciPodmanTest {
  private static final String IMAGE = "localhost/poc-oci-busybox:test";

  private Path work;
  private Path ociRoot;
  private String cgroupParent;
  private List<String> podman;

  @BeforeAll
  void importImage() throws Exception {
    if (Tool.locate("podman").isEmpty()) {
      String why = "podman is needed for the podman test: apt-get install podman";
      if (System.getenv("CI") != null) {
        throw new IllegalStateException(why + " (.ci/run installs it; CI is set, so this is a failure)");
      }
      Assumptions.abort(why + " (skipped: CI is not set)");
    }
    work = Files.createTempDirectory("poc-oci-podman");
    ociRoot = work.resolve("oci");
    cgroupParent = "podmantest-" + UUID.randomUUID().toString().substring(0, 8);
    Path launcher = OciBundles.launcher(work);
    Path pinned = work.resolve("poc-oci-pinned");
    Files.writeString(pinned, "#!/bin/sh\nexec '" + launcher + "' --root '" + ociRoot + "' \"$@\"\n");
    Files.setPosixFilePermissions(pinned, PosixFilePermissions.fromString("rwxr-xr-x"));
    podman = List.of(Tool.locate("podman").orElseThrow().toString(),
        "--root", work.resolve("storage").toString(), "--runroot", work.resolve("run").toString(),
        "--tmpdir", work.resolve("tmp").toString(), "--cgroup-manager", "cgroupfs", "--events-backend", "file",
        "--runtime", pinned.toString());
    Path rootfs = work.resolve("rootfs");
    TestRootfs.makeBusybox(rootfs);
    Path tar = work.resolve("busybox.tar");
    StorageFixtures.exec("tar", "-C", rootfs.toString(), "-cf", tar.toString(), ".");
    Result imported = podman("import", tar.toString(), IMAGE);
    assertThat(imported.code()).as("podman import: %s", imported.err()).isZero();
  }

  @AfterAll
  void removeEverything() throws Exception {
    if (work == null) {
      return;
    }
    try {
      podman("rm", "--all", "--force");
      podman("rmi", "--all", "--force");
    } finally {
      Mounts.unmountAll(work); // the storage's overlay directory, which podman mounts on itself
      removeCgroups(cgroupParent);
      Release.deleteTree(work);
    }
  }

  private Result podman(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(podman);
    cmd.addAll(List.of(args));
    return OciBundles.run(work, cmd);
  }

  /** podman run --rm with the flags every run here needs, then {@code args}. */
  private Result run(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("run", "--rm", "--network", "none", "--cgroup-parent", "/" + cgroupParent,
        "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"));
    cmd.addAll(List.of(args));
    return podman(cmd.toArray(String[]::new));
  }

  @Test
  void runGivesTheExitCodeStdoutAndStderr() throws Exception {
    Result r = run(IMAGE, "sh", "-c", "echo out-$(hostname | wc -c); echo err >&2; exit 7");
    assertThat(r.err()).isEqualTo("err\n");
    assertThat(r.out()).isEqualTo("out-13\n"); // podman's hostname: the id's first 12 hex digits
    assertThat(r.code()).isEqualTo(7);
    assertNothingLeft();
  }

  @Test
  void anotherUserGetsNoCapabilitiesAndPodmansUmask() throws Exception {
    Result r = run("--user", "65534:65534", IMAGE, "sh", "-c",
        "id -u; id -g; umask; grep -E '^Cap(Eff|Prm)' /proc/self/status");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("65534\n65534\n0022\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n");
    assertNothingLeft();
  }

  @Test
  void aMissingCommandIsPodmansExitCode127() throws Exception {
    Result r = run(IMAGE, "/no/such/command");
    assertThat(r.code()).isEqualTo(127);
    assertThat(r.err()).contains("/no/such/command");
    assertNothingLeft();
  }

  /** No container state under poc-oci's root, no run of poc's under it: podman deleted what it ran. */
  private void assertNothingLeft() throws IOException {
    if (!Files.isDirectory(ociRoot)) {
      return;
    }
    try (Stream<Path> s = Files.list(ociRoot)) {
      assertThat(s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("."))).isEmpty();
    }
    Path runs = ociRoot.resolve(".poc/run");
    if (Files.isDirectory(runs)) {
      try (Stream<Path> s = Files.list(runs)) {
        assertThat(s).isEmpty();
      }
    }
  }

  /** podman's cgroups under the parent (conmon's, the container's empty group): each controller's, deepest first. */
  static void removeCgroups(String parent) throws IOException {
    Path root = Path.of("/sys/fs/cgroup");
    List<Path> hierarchies = new ArrayList<>(List.of(root));
    try (DirectoryStream<Path> s = Files.newDirectoryStream(root, Files::isDirectory)) {
      s.forEach(hierarchies::add);
    }
    for (Path h : hierarchies) {
      Path group = h.resolve(parent);
      if (Files.isDirectory(group)) {
        try (Stream<Path> tree = Files.walk(group)) {
          for (Path g : tree.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(g); // rmdir of an empty cgroup
          }
        }
      }
    }
  }
}
