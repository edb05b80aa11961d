package dev.poc;

import dev.poc.storage.DockerEngine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Images built by a real dockerd (the test's own, see {@link PrivateDockerd}) from a Dockerfile
 * FROM a busybox base made with {@code docker import}: nothing is pulled.
 */
class DockerImageTest extends StateRootTest {
  private static PrivateDockerd dockerd;
  private static String base;

  @BeforeAll
  static void startDockerd() throws Exception {
    dockerd = PrivateDockerd.start();
    base = "poc-test-base-" + UUID.randomUUID().toString().substring(0, 8);
    dockerd.docker("import", StorageFixtures.busyboxTarball("").toString(), base + ":latest");
  }

  @AfterAll
  static void stopDockerd() throws Exception {
    if (dockerd != null) {
      dockerd.close();
    }
  }

  @AfterEach
  void daemonKeepsNothing() throws Exception {
    // the daemon keeps nothing of ours: no container, no image but the base (and the init test's tag)
    assertThat(dockerd.docker("ps", "-aq")).isBlank();
    assertThat(dockerd.docker("images", "--format", "{{.Repository}}").lines())
        .allMatch(repo -> repo.equals(base) || repo.equals("debian"));
  }

  private Path context(String dockerfile) throws Exception {
    Path dir = Files.createDirectories(state.resolve("ctx-" + UUID.randomUUID().toString().substring(0, 8)));
    Files.writeString(dir.resolve("Dockerfile"), dockerfile);
    Files.writeString(dir.resolve("hello.txt"), "from the context\n");
    return dir;
  }

  @Test
  void buildsADockerfileAndRunsOnADiskOverIt() throws Exception {
    Path ctx = context("ARG BASE=none\nFROM ${BASE}\nCOPY hello.txt /hello.txt\nRUN echo built-by-docker > /built && mkdir -p /data\n");
    List<String> progress = new ArrayList<>();
    Image image = rt.images().fromDockerfile("dk", ctx, dockerd.socket(), Map.of("BASE", base), progress::add);
    progress.forEach(System.out::println);
    assertThat(image.kind()).isEqualTo(Image.Kind.DOCKER);
    assertThat(progress).anyMatch(l -> l.startsWith("Step 2/4 : FROM")).anyMatch(l -> l.contains("Successfully built"));
    Path rootfs = state.resolve("images/dk/rootfs");
    assertThat(rootfs.resolve("built")).hasContent("built-by-docker");
    assertThat(rootfs.resolve(".dockerenv")).exists();

    String name = TestRootfs.uniqueName("dk");
    rt.build(name, "64M", "dk");
    StorageFixtures.Run r = StorageFixtures.run(rt, name, "cat /built /hello.txt; ls -d /data");
    assertThat(r.exit()).as(r.out()).isZero();
    assertThat(r.out()).isEqualTo("built-by-docker\nfrom the context\n/data\n");
  }

  @Test
  void aFailingBuildShowsItsLogAndLeavesNothing() throws Exception {
    Path ctx = context("FROM " + base + "\nRUN echo about-to-fail && exit 3\n");
    assertThatThrownBy(() -> rt.images().fromDockerfile("broken", ctx, dockerd.socket(), Progress.none()))
        .isInstanceOf(PocException.class)
        .hasMessageContaining("docker build failed")
        .hasMessageContaining("about-to-fail")
        .hasMessageContaining("returned a non-zero code: 3");
    assertThat(rt.images().list()).isEmpty();
    try (var left = Files.list(state.resolve("images"))) {
      assertThat(left).isEmpty();
    }
    assertThatThrownBy(() -> rt.images().fromDockerfile("nofile", state, dockerd.socket(), Progress.none()))
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("no Dockerfile in " + state);
    assertThatThrownBy(() -> rt.images().fromDockerfile("nodaemon", ctx, state.resolve("none.sock"), Progress.none()))
        .isInstanceOf(PocException.class).hasMessageContaining("no Docker daemon").hasMessageContaining("none.sock");
  }

  @Test
  void initPicksDockerWhenADaemonAnswersAndBuildsPocsDockerfile() throws Exception {
    // poc's Dockerfile starts FROM debian:bookworm-slim and runs apt-get, which needs the internet:
    // here busybox stands in for Debian, so the build must fail at apt-get, showing the log
    dockerd.docker("tag", base + ":latest", Images.DEFAULT_DOCKER_BASE);
    List<String> said = new ArrayList<>();
    assertThatThrownBy(() -> rt.images().init(new DockerEngine(dockerd.socket()), true, said::add))
        .isInstanceOf(PocException.class)
        .hasMessageContaining("docker build failed")
        .hasMessageContaining("apt-get");
    assertThat(said.get(0)).contains("a Docker daemon answers on " + dockerd.socket());
    assertThat(said).anyMatch(l -> l.contains("apt-get install -y --no-install-recommends"));
    assertThat(rt.images().list()).isEmpty();
  }
}
