package dev.poc.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Docker's config.json: credential helpers (a fake one written here) first, then the file's own auths. */
class CredentialsTest {
  @TempDir
  Path dir;
  Path bin;

  @BeforeEach
  void helper() throws Exception {
    bin = Files.createDirectories(dir.resolve("bin"));
    // knows one server; for any other it answers as the real helpers do, exit 1
    Path exe = bin.resolve("docker-credential-pocfake");
    Files.writeString(exe, "#!/bin/sh\n"
        + "read server\n"
        + "echo \"$1 $server\" >> " + dir.resolve("asked") + "\n"
        + "if [ \"$1\" = get ] && [ \"$server\" = 127.0.0.1:5000 ]; then\n"
        + "  echo '{\"ServerURL\":\"127.0.0.1:5000\",\"Username\":\"helper-user\",\"Secret\":\"helper-pass\"}'; exit 0\n"
        + "fi\n"
        + "echo 'credentials not found in native keychain'; exit 1\n");
    Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwx------"));
  }

  private Credentials with(String json) throws Exception {
    Path file = dir.resolve("config.json");
    Files.writeString(file, json);
    return new Credentials(file, List.of(dir.resolve("empty-dir"), bin));
  }

  private static String decoded(String basic) {
    return new String(Base64.getDecoder().decode(basic), StandardCharsets.UTF_8);
  }

  @Test
  void aHelperNamedForTheRegistryAnswers() throws Exception {
    Credentials c = with("{\"credHelpers\":{\"127.0.0.1:5000\":\"pocfake\"},"
        + "\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"" + Base64.getEncoder().encodeToString("file:pass".getBytes()) + "\"}}}");
    assertThat(c.basicFor("127.0.0.1:5000")).map(CredentialsTest::decoded).contains("helper-user:helper-pass");
    assertThat(Files.readString(dir.resolve("asked"))).isEqualTo("get 127.0.0.1:5000\n");
    assertThat(c.basicFor("127.0.0.1:6000")).as("no helper for that one, and no entry").isEmpty();
  }

  @Test
  void aStoreThatKnowsNothingLeavesTheFilesOwnEntry() throws Exception {
    Credentials c = with("{\"credsStore\":\"pocfake\","
        + "\"auths\":{\"127.0.0.1:7000\":{\"username\":\"file-user\",\"password\":\"file-pass\"}}}");
    assertThat(c.basicFor("127.0.0.1:7000")).map(CredentialsTest::decoded).contains("file-user:file-pass");
    assertThat(c.basicFor("127.0.0.1:5000")).map(CredentialsTest::decoded).contains("helper-user:helper-pass");
    assertThat(Files.readString(dir.resolve("asked"))).isEqualTo("get 127.0.0.1:7000\nget 127.0.0.1:5000\n");
  }

  @Test
  void aMissingHelperIsNamed() throws Exception {
    Credentials c = with("{\"credHelpers\":{\"127.0.0.1:5000\":\"notthere\"}}");
    assertThatThrownBy(() -> c.basicFor("127.0.0.1:5000")).isInstanceOf(ImagePullException.class)
        .hasMessageContaining("docker-credential-notthere is not on the PATH");
    Credentials bad = with("{\"credsStore\":\"../../bin/sh\"}");
    assertThatThrownBy(() -> bad.basicFor("127.0.0.1:5000")).isInstanceOf(ImagePullException.class)
        .hasMessageContaining("not a helper name");
  }
}
