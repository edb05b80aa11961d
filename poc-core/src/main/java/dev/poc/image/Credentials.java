package dev.poc.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The user name and password for a registry from Docker's credentials file ({@code config.json},
 * as {@code docker login} writes it): a credential helper named for the registry
 * ({@code credHelpers}) or for all ({@code credsStore}) is asked first, as Docker does
 * ({@code docker-credential-NAME get}, the server on stdin), then the file's own {@code auths}.
 * A helper is only run when a registry asks poc to authenticate.
 */
final class Credentials {
  private static final long HELPER_TIMEOUT_SECONDS = 30;
  private final Path file;
  private final List<Path> helperDirs;

  Credentials(Path file) {
    this(file, searchPath());
  }

  /** {@code helperDirs}: where {@code docker-credential-NAME} programs are looked for (the PATH). */
  Credentials(Path file, List<Path> helperDirs) {
    this.file = file;
    this.helperDirs = List.copyOf(helperDirs);
  }

  private static List<Path> searchPath() {
    List<Path> dirs = new ArrayList<>();
    for (String d : System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin").split(File.pathSeparator)) {
      if (!d.isEmpty()) {
        dirs.add(Path.of(d));
      }
    }
    return dirs;
  }

  /** The {@code Basic} header value for {@code host} ({@code host[:port]}), if the file or its helper has one. */
  Optional<String> basicFor(String host) {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    JsonNode config;
    try {
      config = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new ImagePullException("Docker credentials file " + file + " is not valid JSON (" + e.getMessage()
          + "): fix it, or point DOCKER_CONFIG elsewhere");
    }
    boolean hub = host.equals("registry-1.docker.io") || host.equals(ImageReference.DOCKER_HUB);
    List<String> keys = hub
        ? List.of("https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io")
        : List.of(host, "https://" + host, "http://" + host, "https://" + host + "/v2/", "http://" + host + "/v2/");
    Optional<String> helper = helperFor(config, keys);
    if (helper.isPresent()) {
      Optional<String> fromHelper = ask(helper.get(), hub ? "https://index.docker.io/v1/" : host);
      if (fromHelper.isPresent()) {
        return fromHelper;
      }
    }
    JsonNode auths = config.path("auths");
    for (String key : keys) {
      JsonNode entry = auths.path(key);
      if (entry.hasNonNull("auth") && !entry.get("auth").asText().isEmpty()) {
        return Optional.of(entry.get("auth").asText());
      }
      if (entry.hasNonNull("username") && entry.hasNonNull("password")) {
        return Optional.of(basic(entry.get("username").asText(), entry.get("password").asText()));
      }
    }
    return Optional.empty();
  }

  /** The helper for the first of {@code keys} that {@code credHelpers} names, else {@code credsStore}. */
  private static Optional<String> helperFor(JsonNode config, List<String> keys) {
    for (String key : keys) {
      String named = config.path("credHelpers").path(key).asText("");
      if (!named.isBlank()) {
        return Optional.of(named.trim());
      }
    }
    String store = config.path("credsStore").asText("");
    return store.isBlank() ? Optional.empty() : Optional.of(store.trim());
  }

  /** Runs {@code docker-credential-NAME get} for {@code server}; empty when it knows no credentials for it. */
  private Optional<String> ask(String name, String server) {
    if (!name.matches("[A-Za-z0-9._-]+")) {
      throw new ImagePullException("Docker credentials file " + file + " names credential helper '" + name
          + "', which is not a helper name: fix credHelpers/credsStore");
    }
    String program = "docker-credential-" + name;
    Path exe = helperDirs.stream().map(d -> d.resolve(program)).filter(Files::isExecutable).findFirst()
        .orElseThrow(() -> new ImagePullException("Docker credentials file " + file + " names credential helper '" + name
            + "', but " + program + " is not on the PATH: install it, or remove it from credHelpers/credsStore"));
    try {
      Process p = new ProcessBuilder(exe.toString(), "get").redirectError(ProcessBuilder.Redirect.DISCARD).start();
      try (OutputStream in = p.getOutputStream()) {
        in.write(server.getBytes(StandardCharsets.UTF_8));
      }
      // read beside the wait, so that a helper which hangs (a locked keychain) is given up on
      java.util.concurrent.CompletableFuture<byte[]> reading = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try {
          return p.getInputStream().readNBytes(1 << 20);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      if (!p.waitFor(HELPER_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new ImagePullException("credential helper " + exe + " did not answer for " + server + " within "
            + HELPER_TIMEOUT_SECONDS + " s: check it (echo " + server + " | " + program + " get)");
      }
      byte[] out;
      try {
        out = reading.get(HELPER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        throw new IOException("reading its answer: " + e.getMessage(), e);
      }
      if (p.exitValue() != 0) {
        return Optional.empty(); // "credentials not found": the file's own entry may still have some
      }
      JsonNode answer = new ObjectMapper().readTree(out);
      String user = answer.path("Username").asText("");
      String secret = answer.path("Secret").asText("");
      if (secret.isEmpty() || user.equals("<token>")) {
        return Optional.empty(); // an identity token is for Docker's own OAuth flow, which poc does not speak
      }
      return Optional.of(basic(user, secret));
    } catch (IOException e) {
      throw new ImagePullException("credential helper " + exe + " failed for " + server + " (" + e.getMessage()
          + "): check it (echo " + server + " | " + program + " get)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ImagePullException("interrupted while credential helper " + exe + " answered for " + server, e);
    }
  }

  private static String basic(String user, String password) {
    return Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  Path file() {
    return file;
  }
}
