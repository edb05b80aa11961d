package dev.poc.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poc.Container;
import dev.poc.ContainerRuntime;
import dev.poc.Progress;
import dev.poc.Rootfs;
import dev.poc.TestImages;
import dev.poc.TestRootfs;
import dev.poc.namespace.LinuxNamespaces;
import dev.poc.namespace.UserNamespaces;
import dev.poc.spi.IdMapping;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The overlay prepared ahead for an image's next start (OverlaySpares): made only once an image
 * is started again, taken by the next start (its init moves the mount in place), private to that
 * container like any upper layer, and let go by a sweep, so that removing the image removes its
 * layers. An OCI layout imported from disk: no registry.
 */
class OverlaySparesTest {
  private static final String IMAGE = "localhost/ahead:1.36";
  @TempDir
  static Path dir;
  static TestImages.Layout layout;

  @BeforeAll
  static void build() throws Exception {
    layout = TestImages.build(dir.resolve("layout"));
  }

  @Test
  void laterStartsTakeAnOverlayMadeAheadAndKeepTheirWritesToThemselves() throws Exception {
    Path state = TestRootfs.stateRoot();
    try (ContainerRuntime rt = ContainerRuntime.builder().stateRoot(state).build()) {
      RegistryImages images = rt.registryImages();
      images.importArchive(layout.dir(), IMAGE, Progress.none());
      Path spares = state.resolve("oci/spares");

      String first = run(rt, 1);
      images.spares().awaitThread();
      assertThat(images.spares().readyCount()).as("a first start prepares nothing ahead").isZero();
      assertThat(first).startsWith("v2\nnone\n").contains("upperdir=" + state.resolve("run"));

      run(rt, 2);
      images.spares().awaitThread();
      assertThat(images.spares().readyCount()).as("the end of a second start prepares the next one").isEqualTo(1);
      assertThat(entries(spares)).hasSize(1);

      String third = run(rt, 3);
      assertThat(third).as("the image's files through the overlay made ahead, none of the earlier containers' writes")
          .startsWith("v2\nnone\n").contains("upperdir=" + spares);
      if (kernelAtLeast(6, 8)) { // lowerdir+ (and glibc 2.36's fsopen, which Debian 12 has)
        assertThat(OverlaySpares.mountsAhead()).as("as root the overlay was mounted ahead, and the init moved it").isTrue();
      }
      images.spares().awaitThread();
      assertThat(entries(spares)).as("the used one deleted, the next one ready").hasSize(1);
      assertThat(Files.readString(images.layerDirsTopFirst(images.find(IMAGE).orElseThrow()).get(0).resolve("etc/replaced.txt")))
          .as("the layers are untouched").isEqualTo("v2\n");

      RegistryImages.SweepResult removed = images.remove(IMAGE);
      assertThat(removed.layersRemoved()).as("the spare's pin let go: nothing keeps the layers").isEqualTo(2);
      assertThat(entries(spares)).isEmpty();
      assertThat(entries(state.resolve("oci/pins"))).isEmpty();
    }
  }

  @Test
  void anUpperOnATmpfsGetsItsDirectoriesMadeAheadToo() throws Exception {
    Path state = TestRootfs.stateRoot();
    try (ContainerRuntime rt = ContainerRuntime.builder().stateRoot(state).build()) {
      RegistryImages images = rt.registryImages();
      images.importArchive(layout.dir(), IMAGE, Progress.none());
      for (int i = 1; i <= 3; i++) {
        String out = run(rt, i, Rootfs.image(IMAGE).upperOnTmpfs("8M"));
        assertThat(out).as("start %d", i).startsWith("v2\nnone\n")
            .contains("upperdir=" + (i < 3 ? state.resolve("run") : state.resolve("oci/spares")));
        images.spares().awaitThread();
      }
      assertThat(images.spares().readyCount()).isEqualTo(1);
    }
  }

  @Test
  void aContainerWithAUserNamespaceOfItsOwnMountsItsOverlayItself() throws Exception {
    IdMapping maps = IdMapping.of("0 0 1\n1 200000 65535", "0 0 1\n1 200000 65535");
    Path state = TestRootfs.stateRoot();
    try (ContainerRuntime rt = ContainerRuntime.builder().stateRoot(state)
        .namespaces(new UserNamespaces(new LinuxNamespaces(), maps)).build()) {
      RegistryImages images = rt.registryImages();
      images.importArchive(layout.dir(), IMAGE, Progress.none());
      for (int i = 1; i <= 3; i++) {
        assertThat(run(rt, i)).as("start %d: mounted by the init inside the user namespace, on its run directory", i)
            .startsWith("v2\nnone\n").contains("upperdir=" + state.resolve("run"));
      }
      images.spares().awaitThread();
      assertThat(images.spares().readyCount()).as("as root, spares are mounted ahead: none is made for such containers").isZero();
    }
  }

  /** Runs a container on the image that lists what earlier ones wrote, writes its own file, and shows its root mount. */
  private static String run(ContainerRuntime rt, int n) throws Exception {
    return run(rt, n, Rootfs.image(IMAGE));
  }

  private static String run(ContainerRuntime rt, int n, Rootfs root) throws Exception {
    try (Container c = rt.container().name(TestRootfs.uniqueName("ahead")).rootfs(root)
        .command("sh", "-c", "cat /etc/replaced.txt; ls /opt/mine-* 2>/dev/null || echo none; echo " + n + " > /opt/mine-" + n
            + "; grep ' / / ' /proc/self/mountinfo")
        .start()) {
      String out = new String(c.stdout().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(c.waitFor()).as(out + new String(c.stderr().readAllBytes(), StandardCharsets.UTF_8)).isZero();
      return out;
    }
  }

  private static boolean kernelAtLeast(int major, int minor) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)").matcher(System.getProperty("os.version", ""));
    return m.find() && (Integer.parseInt(m.group(1)) > major
        || (Integer.parseInt(m.group(1)) == major && Integer.parseInt(m.group(2)) >= minor));
  }

  private static List<Path> entries(Path d) throws IOException {
    if (!Files.isDirectory(d)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(d)) {
      return s.toList();
    }
  }
}
