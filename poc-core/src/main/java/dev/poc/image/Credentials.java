package dev.poc.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The user name and password for a registry from Docker's credentials file ({@code auths} in
 * {@code config.json}, as {@code docker login} writes it). Credential helpers are not run: poc
 * starts no program to answer an auth challenge.
 */
final class Credentials {
  private final Path file;

  Credentials(Path file) {
    this.file = file;
  }

  /** The {@code Basic} header value for {@code host} ({@code host[:port]}), if the file has one. */
  Optional<String> basicFor(String host) {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    JsonNode auths;
    try {
      auths = new ObjectMapper().readTree(file.toFile()).path("auths");
    } catch (IOException e) {
      throw new ImagePullException("Docker credentials file " + file + " is not valid JSON (" + e.getMessage()
          + "): fix it, or point DOCKER_CONFIG elsewhere");
    }
    List<String> keys = host.equals("registry-1.docker.io") || host.equals(ImageReference.DOCKER_HUB)
        ? List.of("https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io")
        : List.of(host, "https://" + host, "http://" + host, "https://" + host + "/v2/", "http://" + host + "/v2/");
    for (String key : keys) {
      JsonNode entry = auths.path(key);
      if (entry.hasNonNull("auth") && !entry.get("auth").asText().isEmpty()) {
        return Optional.of(entry.get("auth").asText());
      }
      if (entry.hasNonNull("username") && entry.hasNonNull("password")) {
        String pair = entry.get("username").asText() + ":" + entry.get("password").asText();
        return Optional.of(Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
      }
    }
    return Optional.empty();
  }

  Path file() {
    return file;
  }
}
