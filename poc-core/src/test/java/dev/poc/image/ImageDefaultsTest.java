package dev.poc.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poc.ContainerSpec;
import dev.poc.Network;
import dev.poc.Rootfs;
import dev.poc.Signal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How an image's configuration fills a spec, as docker run does. */
class ImageDefaultsTest {
  @TempDir
  Path dir;

  private static PulledImage image(ImageConfig config) {
    Digest d = Digest.of(new byte[0]);
    return new PulledImage("docker.io/library/app:1", d, config, d, List.of(), 0, Instant.EPOCH);
  }

  private static ImmutableImageConfig.Builder config() {
    return ImageConfig.builder().os("linux").architecture("amd64");
  }

  private static ContainerSpec.Builder spec() {
    return new ContainerSpec.Builder().name("app-1").rootfs(Rootfs.image("app:1"));
  }

  @Test
  void theImageFillsWhatTheSpecLeavesOpen() throws Exception {
    ImageConfig c = config().addEntrypoint("/entry.sh").addCmd("serve").addEnv("A=image", "B=image").workingDir("/srv")
        .stopSignal("SIGQUIT").addExposedPorts("6379/tcp", "53/udp").build();
    ContainerSpec s = ImageDefaults.apply(spec().build(), new ImageRootfs("app:1", Optional.empty(), null), image(c),
        Optional.empty(), List.of());
    assertThat(s.args()).containsExactly("/entry.sh", "serve");
    assertThat(s.env()).containsEntry("A", "image").containsEntry("B", "image");
    assertThat(s.cwd()).isEqualTo("/srv");
    assertThat(s.stopSignal()).isEqualTo(Signal.QUIT);
    assertThat(s.ports()).as("a disabled network publishes nothing").isEmpty();

    ContainerSpec mine = ImageDefaults.apply(spec().command("sh").putEnv("A", "spec").cwd("/tmp").network(Network.BRIDGE).build(),
        new ImageRootfs("app:1", Optional.empty(), null), image(c), Optional.of(List.of()), List.of());
    assertThat(mine.args()).as("the spec's command replaces Cmd; the entrypoint was cleared").containsExactly("sh");
    assertThat(mine.env()).containsEntry("A", "spec").containsEntry("B", "image");
    assertThat(mine.cwd()).isEqualTo("/tmp");
    assertThat(mine.ports()).extracting(p -> p.containerPort()).containsExactly(6379);
  }

  @Test
  void anImageWithoutACommandNeedsOneFromTheSpec() {
    assertThatThrownBy(() -> ImageDefaults.apply(spec().build(), new ImageRootfs("app:1", Optional.empty(), null),
        image(config().build()), Optional.empty(), List.of())).hasMessageContaining("neither Entrypoint nor Cmd");
  }

  @Test
  void usersByNameComeFromTheTopmostPasswdFile() throws Exception {
    Path lower = Files.createDirectories(dir.resolve("lower/etc"));
    Files.writeString(lower.resolve("passwd"), "root:x:0:0::/root:/bin/sh\nredis:x:999:998::/data:/bin/false\n");
    Files.writeString(lower.resolve("group"), "root:x:0:\nredis:x:998:\nstaff:x:50:\n");
    Path upper = Files.createDirectories(dir.resolve("upper/etc"));
    List<Path> layers = List.of(upper.getParent(), lower.getParent());
    assertThat(ImageDefaults.user("redis", "app", layers)).containsExactly(999, 998);
    assertThat(ImageDefaults.user("redis:staff", "app", layers)).containsExactly(999, 50);
    assertThat(ImageDefaults.user("1000:1000", "app", layers)).containsExactly(1000, 1000);
    assertThat(ImageDefaults.user("999", "app", layers)).containsExactly(999, 998);
    assertThatThrownBy(() -> ImageDefaults.user("nobody", "app", layers)).hasMessageContaining("'nobody'");
    Files.writeString(upper.resolve("passwd"), "root:x:0:0::/root:/bin/sh\n");
    assertThatThrownBy(() -> ImageDefaults.user("redis", "app", layers)).as("the upper passwd hides the lower one")
        .hasMessageContaining("'redis'");
  }

  @Test
  void stopSignalsByNameOrNumber() {
    assertThat(ImageDefaults.signal("SIGQUIT")).contains(Signal.QUIT);
    assertThat(ImageDefaults.signal("int")).contains(Signal.INT);
    assertThat(ImageDefaults.signal("9")).contains(Signal.KILL);
    assertThat(ImageDefaults.signal("SIGRTMIN+3")).isEmpty();
  }
}
