package dev.poc.rootless;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poc.ContainerRuntime;
import dev.poc.Progress;
import dev.poc.Rootfs;
import dev.poc.TestImages;
import dev.poc.TestRootfs;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * As an ordinary user: an image imported into the user's state root runs as an overlay mounted
 * inside the container's user namespace, its whiteouts and opaque directories honoured.
 */
class ImageRootlessTest {
  private static ContainerRuntime runtime;

  @BeforeAll
  static void open(@TempDir Path dir) throws Exception {
    RootlessRuns.requireOrdinaryUser();
    runtime = ContainerRuntime.open(TestRootfs.stateRoot());
    TestImages.Layout layout = TestImages.build(dir.resolve("layout"));
    runtime.registryImages().importArchive(layout.dir(), "localhost/rootless:1.36", Progress.none());
  }

  @AfterAll
  static void close() {
    if (runtime != null) {
      runtime.close();
    }
  }

  private static final String SCRIPT = "cat /etc/replaced.txt; ls /opt/data; ls /etc/removed.txt 2>/dev/null || echo removed;"
      + " stat -c %u /bin/busybox; echo new > /etc/replaced.txt && cat /etc/replaced.txt";

  @Test
  void anImageRunsWithItsLayersWhiteoutsAndOpaqueDirectories() throws Exception {
    var r = RootlessRuns.run(runtime.container().name(TestRootfs.uniqueName("img"))
        .rootfs(Rootfs.image("localhost/rootless:1.36")).command("sh", "-c", SCRIPT));
    assertThat(r.code()).as(r.toString()).isZero();
    // v2 from the top layer, only c in the opaque directory, the whiteout hides removed.txt, the
    // files are root's inside (the user's outside), and the container writes to its own upper
    assertThat(r.out()).isEqualTo("v2\nc\nremoved\n0\nnew\n");
  }

  @Test
  void laterStartsOfAnImageKeepTheirWritesToThemselves() throws Exception {
    // from the third start of each kind (upper on disk, on a tmpfs) on, the overlay's directories
    // and pin are made ahead (OverlaySpares); rootless, the init still mounts it, in the
    // container's user namespace
    for (int i = 0; i < 8; i++) {
      Rootfs root = i % 2 == 0 ? Rootfs.image("localhost/rootless:1.36") : Rootfs.image("localhost/rootless:1.36").upperOnTmpfs("16M");
      var r = RootlessRuns.run(runtime.container().name(TestRootfs.uniqueName("imga")).rootfs(root)
          .command("sh", "-c", "cat /etc/replaced.txt; ls /opt/mine 2>/dev/null || echo none; echo " + i + " > /opt/mine"));
      assertThat(r.code()).as(r.toString()).isZero();
      assertThat(r.out()).as("start " + i).isEqualTo("v2\nnone\n");
    }
  }

  @Test
  void anImageWithItsUpperOnATmpfsRunsToo() throws Exception {
    var r = RootlessRuns.run(runtime.container().name(TestRootfs.uniqueName("imgt"))
        .rootfs(Rootfs.image("localhost/rootless:1.36").upperOnTmpfs("16M")).command("sh", "-c", SCRIPT));
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo("v2\nc\nremoved\n0\nnew\n");
  }
}
