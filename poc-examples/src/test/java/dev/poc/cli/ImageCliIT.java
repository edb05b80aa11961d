package dev.poc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poc.ContainerRuntime;
import dev.poc.image.RegistrySettings;
import dev.poc.junit.PocContainer;
import dev.poc.junit.Wait;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** poc pull, images, run --image and rmi through the packaged jar, and PocContainer.image, against a loopback registry. */
class ImageCliIT {
  private static Cli cli;
  private static LoopbackRegistry registry;
  private static Path dir;

  @BeforeAll
  static void setUp() throws Exception {
    cli = new Cli();
    dir = cli.tempDir("poc-image-it-");
    registry = LoopbackRegistry.start(dir.resolve("registry"));
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (registry != null) {
      registry.close();
    }
    cli.close();
  }

  @Test
  void pullImagesRunAndRmi() throws Exception {
    Cli.Result pull = cli.runWith(registry.environment(), "pull", "busybox:1.36");
    assertThat(pull.code()).as(pull.toString()).isZero();
    assertThat(pull.out()).startsWith("docker.io/library/busybox:1.36@sha256:");
    assertThat(pull.err()).contains("downloaded");

    Cli.Result images = cli.runWith(registry.environment(), "images");
    assertThat(images.out()).contains("docker.io/library/busybox:1.36");

    String name = Cli.name("img");
    Cli.Result run = cli.runWith(registry.environment(), "run", "--image", "busybox:1.36", "net-disabled", name);
    assertThat(run.code()).as(run.toString()).isZero();
    assertThat(run.out()).isEqualTo("hello from the image\n");
    Cli.Result cmd = cli.runWith(registry.environment(), "run", "--image", "busybox:1.36", "net-disabled", name, "cat", "/etc/hostname");
    assertThat(cmd.out()).isEqualTo(name + "\n");

    Cli.Result rmi = cli.runWith(registry.environment(), "rmi", "busybox:1.36");
    assertThat(rmi.code()).as(rmi.toString()).isZero();
    assertThat(rmi.out()).as("its layer may be shared with the imported image").startsWith("busybox:1.36 (").contains("layers");
    assertThat(cli.runWith(registry.environment(), "images").out()).doesNotContain("busybox:1.36");
  }

  @Test
  void importAnOciLayoutAndRunIt() throws Exception {
    Cli.Result imp = cli.run("import", dir.resolve("registry/layout").toString(), "localhost/imported:1.36");
    assertThat(imp.code()).as(imp.toString()).isZero();
    assertThat(imp.out()).startsWith("localhost/imported:1.36@sha256:");
    String name = Cli.name("imp");
    Cli.Result run = cli.run("run", "--image", "localhost/imported:1.36", "net-disabled", name);
    assertThat(run.out()).as(run.toString()).isEqualTo("hello from the image\n");
    Cli.Result mem = cli.run("run", "--image", "localhost/imported:1.36", "--upper-tmpfs", "4M", "net-disabled", Cli.name("mem"),
        "sh", "-c", "echo mine > /etc/replaced.txt; cat /etc/replaced.txt; dd if=/dev/zero of=/big bs=1M count=8 2>&1 | grep -c 'No space'");
    assertThat(mem.out()).as(mem.toString()).isEqualTo("mine\n1\n");
    Cli.Result misplaced = cli.run("run", "--upper-tmpfs", "4M", "--rootfs", "/", "net-disabled", Cli.name("mem"), "true");
    assertThat(misplaced.code()).as(misplaced.toString()).isEqualTo(2);
    assertThat(misplaced.err()).contains("--upper-tmpfs 4M needs --image IMAGE");
  }

  @Test
  void theHarnessRunsAnImageByName() throws Exception {
    RegistrySettings settings = RegistrySettings.builder().putMirrors("docker.io", List.of(registry.uri())).mirrorsOnly(true)
        .authFile(dir.resolve("none.json")).build();
    Path state = cli.tempDir("poc-image-harness-");
    try (ContainerRuntime rt = ContainerRuntime.builder().stateRoot(state).registries(settings).build();
         PocContainer c = PocContainer.image("busybox:1.36").withCommand("sh", "-c", "echo from the harness; sleep 1000")
             .waitingFor(Wait.forLogLine("from the harness"))) {
      c.start(rt);
      assertThat(c.logs()).contains("from the harness");
      assertThat(c.exec("cat", "/etc/hostname").stdout()).isEqualTo(c.name() + "\n");
      assertThat(Files.isDirectory(state.resolve("oci/layers"))).isTrue();
    }
  }
}
