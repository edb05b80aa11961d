package dev.poc.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poc.InvalidSpecException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ImageReferenceTest {
  private static final String D = "sha256:" + "ab".repeat(32);

  @Test
  void shortNamesGetDockersDefaults() {
    assertThat(ImageReference.parse("busybox").toString()).isEqualTo("docker.io/library/busybox:latest");
    assertThat(ImageReference.parse("busybox:1.36").toString()).isEqualTo("docker.io/library/busybox:1.36");
    assertThat(ImageReference.parse("bitnami/redis:7").toString()).isEqualTo("docker.io/bitnami/redis:7");
    assertThat(ImageReference.parse("index.docker.io/library/redis").toString()).isEqualTo("docker.io/library/redis:latest");
    assertThat(ImageReference.parse("busybox:1.36").familiar()).isEqualTo("busybox:1.36");
  }

  @Test
  void registriesAreRecognisedByADotAColonOrLocalhost() {
    ImageReference r = ImageReference.parse("127.0.0.1:5000/team/app:v2");
    assertThat(r.registry()).isEqualTo("127.0.0.1:5000");
    assertThat(r.repository()).isEqualTo("team/app");
    assertThat(r.tag()).contains("v2");
    assertThat(ImageReference.parse("localhost/app").registry()).isEqualTo("localhost");
    assertThat(ImageReference.parse("ghcr.io/o/p").registry()).isEqualTo("ghcr.io");
    assertThat(ImageReference.parse("team/app").registry()).isEqualTo("docker.io");
  }

  @Test
  void digestsPinAndTagsStayForDisplay() {
    ImageReference r = ImageReference.parse("redis:7@" + D);
    assertThat(r.tag()).contains("7");
    assertThat(r.digest()).contains(Digest.parse(D));
    assertThat(r.manifestReference()).isEqualTo(D);
    ImageReference pinned = ImageReference.parse("localhost:5000/app@" + D);
    assertThat(pinned.tag()).isEmpty();
    assertThat(pinned.toString()).isEqualTo("localhost:5000/app@" + D);
  }

  @Test
  void badNamesAreRefusedWithWhatIsWrong() {
    assertThatThrownBy(() -> ImageReference.parse("")).isInstanceOf(InvalidSpecException.class);
    assertThatThrownBy(() -> ImageReference.parse("Busybox")).hasMessageContaining("'Busybox'");
    assertThatThrownBy(() -> ImageReference.parse("busybox@sha256:12")).hasMessageContaining("digest");
    assertThatThrownBy(() -> ImageReference.parse("busybox:bad/tag:x")).isInstanceOf(InvalidSpecException.class);
    assertThatThrownBy(() -> ImageReference.parse("a//b")).hasMessageContaining("path component");
  }

  @Test
  void settingsComeFromTheEnvironment() {
    RegistrySettings s = RegistrySettings.fromEnvironment(Map.of(
        "POC_REGISTRY_MIRRORS", "docker.io=http://127.0.0.1:5000,http://127.0.0.1:5001;ghcr.io=https://m.example",
        "POC_INSECURE_REGISTRIES", "10.0.0.1:5000, reg.local",
        "POC_REGISTRY_MIRRORS_ONLY", "true"));
    assertThat(s.mirrors().get("docker.io")).containsExactly(URI.create("http://127.0.0.1:5000"), URI.create("http://127.0.0.1:5001"));
    assertThat(s.insecure()).containsExactlyInAnyOrder("10.0.0.1:5000", "reg.local");
    assertThat(s.endpoints("docker.io")).containsExactly(URI.create("http://127.0.0.1:5000"), URI.create("http://127.0.0.1:5001"));
    assertThat(s.endpoints("quay.io")).as("mirrors only: nothing to ask").isEmpty();
    RegistrySettings open = RegistrySettings.fromEnvironment(Map.of("POC_INSECURE_REGISTRIES", "reg.local:5000"));
    assertThat(open.endpoints("reg.local:5000")).containsExactly(URI.create("http://reg.local:5000"));
    assertThat(open.endpoints("docker.io")).containsExactly(URI.create("https://registry-1.docker.io"));
    assertThatThrownBy(() -> RegistrySettings.fromEnvironment(Map.of("POC_REGISTRY_MIRRORS", "nonsense")))
        .hasMessageContaining("REGISTRY=URL");
    assertThatThrownBy(() -> RegistrySettings.builder().putMirrors("docker.io", List.of(URI.create("ftp://x"))).build())
        .hasMessageContaining("http://");
  }
}
