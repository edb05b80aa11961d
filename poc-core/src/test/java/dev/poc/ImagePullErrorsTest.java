package dev.poc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poc.image.ImagePullException;
import dev.poc.image.RegistryImages;
import dev.poc.host.Mounts;
import dev.poc.image.RegistrySettings;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulls that must fail clearly and store nothing half-made: corrupt, cut and resumed blobs, auth
 * refused and answered (htpasswd basic auth on a real registry, Bearer tokens from a realm), a
 * full disk. Everything listens on 127.0.0.1; docker.io goes only to the mirror under test.
 */
class ImagePullErrorsTest {
  @TempDir
  static Path dir;
  static LocalRegistry plain;
  static LocalRegistry withAuth;
  static ProxyRegistry proxy;
  static TestImages.Layout layout;
  static Path credentials;

  @BeforeAll
  static void start() throws Exception {
    layout = TestImages.build(dir.resolve("layout"));
    plain = LocalRegistry.start(dir.resolve("plain"), false);
    plain.push(layout.dir(), "1.36", "library/busybox", "1.36");
    withAuth = LocalRegistry.start(dir.resolve("auth"), true);
    withAuth.push(layout.dir(), "1.36", "library/busybox", "1.36");
    proxy = new ProxyRegistry(plain.uri());
    credentials = dir.resolve("docker/config.json");
    Files.createDirectories(credentials.getParent());
    String auth = Base64.getEncoder().encodeToString((LocalRegistry.USER + ":" + LocalRegistry.PASSWORD).getBytes(StandardCharsets.UTF_8));
    Files.writeString(credentials, "{\"auths\":{\"" + withAuth.hostPort() + "\":{\"auth\":\"" + auth + "\"},"
        + "\"" + proxy.uri().getAuthority() + "\":{\"auth\":\"" + auth + "\"}}}");
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
    for (LocalRegistry r : new LocalRegistry[] {plain, withAuth}) {
      if (r != null) {
        r.close();
      }
    }
  }

  private static RegistryImages store(String name, URI mirror, Path authFile) {
    return new RegistryImages(dir.resolve(name), RegistrySettings.builder().putMirrors("docker.io", List.of(mirror))
        .mirrorsOnly(true).authFile(authFile).retries(2).build());
  }

  private static String baseLayer() {
    return layout.layers().get(0).digest().hex();
  }

  /** Nothing of {@code hex} is in the store: no blob, no layer, no partial download or unpack. */
  private static void assertNothingOf(Path stateRoot, String hex) throws IOException {
    assertNoPartOf(stateRoot, hex);
    assertThat(stateRoot.resolve("oci/blobs/sha256").resolve(hex)).doesNotExist();
  }

  /** No layer directory, partial download or unpack of {@code hex}, and no image record (a whole, verified blob may stay). */
  private static void assertNoPartOf(Path stateRoot, String hex) throws IOException {
    Path oci = stateRoot.resolve("oci");
    assertThat(oci.resolve("layers").resolve(hex)).doesNotExist();
    try (Stream<Path> files = Files.walk(oci)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .noneMatch(n -> n.contains(hex) && (n.endsWith(".partial") || n.startsWith(".unpack-")));
    }
    assertThat(oci.resolve("images")).satisfiesAnyOf(p -> assertThat(p).doesNotExist(), p -> assertThat(p).isEmptyDirectory());
  }

  @Test
  void aCorruptBlobIsRefusedAndNothingIsStored() throws Exception {
    proxy.set(ProxyRegistry.Mode.CORRUPT, baseLayer());
    RegistryImages images = store("corrupt", proxy.uri(), dir.resolve("none.json"));
    assertThatThrownBy(() -> images.pull("busybox:1.36")).isInstanceOf(ImagePullException.class)
        .hasMessageContaining("sha256:" + baseLayer()).hasMessageContaining("nothing was stored");
    assertNothingOf(dir.resolve("corrupt"), baseLayer());
    assertThat(images.find("busybox:1.36")).isEmpty();
  }

  @Test
  void aBrokenTransferResumesWhereItStopped() {
    proxy.set(ProxyRegistry.Mode.TRUNCATE_ONCE, baseLayer());
    RegistryImages images = store("resume", proxy.uri(), dir.resolve("none.json"));
    RegistryImages.PullResult r = images.pull("busybox:1.36");
    assertThat(r.image().layers()).hasSize(2);
    assertThat(proxy.rangeRequests.get()).as("the second request asked for the rest only").isEqualTo(1);
  }

  @Test
  void aLayerThatStaysTruncatedFailsClearly() throws Exception {
    proxy.set(ProxyRegistry.Mode.TRUNCATE_ALWAYS, baseLayer());
    RegistryImages images = store("truncated", proxy.uri(), dir.resolve("none.json"));
    assertThatThrownBy(() -> images.pull("busybox:1.36")).isInstanceOf(ImagePullException.class)
        .hasMessageContaining("truncated").hasMessageContaining("sha256:" + baseLayer());
    assertNothingOf(dir.resolve("truncated"), baseLayer());
  }

  @Test
  void basicAuthFromTheDockerCredentialsFile() {
    RegistryImages images = store("basic", withAuth.uri(), credentials);
    assertThat(images.pull("busybox:1.36").image().manifest()).isEqualTo(layout.hostManifest());
  }

  @Test
  void aRegistryThatRefusesTheCredentialsIsAClearError() throws Exception {
    Path wrong = dir.resolve("wrong/config.json");
    Files.createDirectories(wrong.getParent());
    String auth = Base64.getEncoder().encodeToString("poc:wrong".getBytes(StandardCharsets.UTF_8));
    Files.writeString(wrong, "{\"auths\":{\"" + withAuth.hostPort() + "\":{\"auth\":\"" + auth + "\"}}}");
    assertThatThrownBy(() -> store("refused", withAuth.uri(), wrong).pull("busybox:1.36"))
        .isInstanceOf(ImagePullException.class).hasMessageContaining("refused").hasMessageContaining(wrong.toString());
    assertThatThrownBy(() -> store("nocreds", withAuth.uri(), dir.resolve("none.json")).pull("busybox:1.36"))
        .isInstanceOf(ImagePullException.class).hasMessageContaining("user name and password");
  }

  @Test
  void bearerTokensFromTheChallengesRealm() {
    proxy.set(ProxyRegistry.Mode.BEARER, "");
    assertThat(store("bearer", proxy.uri(), credentials).pull("busybox:1.36").image().manifest()).isEqualTo(layout.hostManifest());
    assertThatThrownBy(() -> store("bearer-none", proxy.uri(), dir.resolve("none.json")).pull("busybox:1.36"))
        .isInstanceOf(ImagePullException.class).hasMessageContaining("gave no token");
  }

  @Test
  void aRedirectedBlobIsFetchedWithoutTheRegistrysCredentials() {
    proxy.set(ProxyRegistry.Mode.REDIRECT, baseLayer());
    assertThat(store("redirect", proxy.uri(), credentials).pull("busybox:1.36").image().layers()).hasSize(2);
    assertThat(proxy.redirectedRequests.get()).isEqualTo(1);
    assertThat(proxy.leakedAuthorizations.get()).isZero();
  }

  @Test
  void aFullDiskMidPullIsAClearErrorAndLeavesNothingHalfWritten() throws Exception {
    Path small = Files.createDirectories(dir.resolve("small"));
    Mounts.mount("tmpfs", small, "tmpfs", 0, "size=1600k");
    try {
      proxy.set(ProxyRegistry.Mode.PASS, "");
      RegistryImages images = new RegistryImages(small, RegistrySettings.builder().putMirrors("docker.io", List.of(plain.uri()))
          .mirrorsOnly(true).authFile(dir.resolve("none.json")).build());
      assertThatThrownBy(() -> images.pull("busybox:1.36")).isInstanceOf(ImagePullException.class)
          .hasMessageContaining("No space left").hasMessageContaining("free space");
      assertThat(images.find("busybox:1.36")).isEmpty();
      assertNoPartOf(small, baseLayer());
    } finally {
      Mounts.unmountAll(small);
    }
  }
}
