package dev.poc.image;

import dev.poc.InvalidSpecException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.immutables.value.Value;

/**
 * Where images are pulled from: mirrors per registry (tried in order before the registry itself,
 * as Docker's {@code registry-mirrors} and containerd's {@code hosts.toml} do), registries spoken
 * to in plain HTTP, and the Docker credentials file.
 *
 * <pre>{@code
 * RegistrySettings.builder()
 *     .putMirrors("docker.io", List.of(URI.create("http://127.0.0.1:5000")))
 *     .mirrorsOnly(true)          // never reach the registries themselves
 *     .build();
 * }</pre>
 *
 * <p>{@link #fromEnvironment()} reads {@code POC_REGISTRY_MIRRORS}
 * ({@code docker.io=http://127.0.0.1:5000;ghcr.io=https://mirror.example}), {@code POC_INSECURE_REGISTRIES}
 * ({@code host:port,host2}), {@code POC_REGISTRY_MIRRORS_ONLY} ({@code true}) and
 * {@code DOCKER_CONFIG} (the directory of {@code config.json}).
 */
@Value.Immutable
public abstract class RegistrySettings {

  /** Mirror endpoints by registry name ({@code docker.io}, {@code host:port}); {@code *} applies to every registry. */
  public abstract Map<String, List<URI>> mirrors();

  /** Registries ({@code host[:port]}) spoken to in plain HTTP; {@code 127.0.0.1} and {@code localhost} are not implied. */
  public abstract Set<String> insecure();

  /** Whether to refuse a registry itself when its mirrors fail: no request ever leaves for the registry's own host. */
  @Value.Default
  public boolean mirrorsOnly() {
    return false;
  }

  /** The Docker credentials file ({@code auths}: {@code host → {auth: base64(user:password)}}); {@code ~/.docker/config.json} unless set. */
  @Value.Default
  public Path authFile() {
    String dir = System.getenv("DOCKER_CONFIG");
    return dir != null && !dir.isEmpty() ? Path.of(dir, "config.json")
        : Path.of(System.getProperty("user.home"), ".docker", "config.json");
  }

  /** How many layers download at once. */
  @Value.Default
  public int parallelDownloads() {
    return 3;
  }

  /** How many times a broken transfer is resumed before the pull fails. */
  @Value.Default
  public int retries() {
    return 3;
  }

  @Value.Check
  void check() {
    mirrors().forEach((registry, endpoints) -> endpoints.forEach(uri -> {
      if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https")) || uri.getHost() == null) {
        throw new InvalidSpecException("mirror '" + uri + "' of registry " + registry
            + " is not an http:// or https:// address: write it as http://host:port");
      }
    }));
    if (parallelDownloads() < 1) {
      throw new InvalidSpecException("parallelDownloads " + parallelDownloads() + " must be at least 1");
    }
    if (retries() < 0) {
      throw new InvalidSpecException("retries " + retries() + " must not be negative");
    }
  }

  /** A builder of settings. */
  public static ImmutableRegistrySettings.Builder builder() {
    return ImmutableRegistrySettings.builder();
  }

  /** No mirrors, TLS everywhere, {@code ~/.docker/config.json}. */
  public static RegistrySettings defaults() {
    return builder().build();
  }

  /** The settings the environment gives (see the class comment); the defaults where it says nothing. */
  public static RegistrySettings fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  static RegistrySettings fromEnvironment(Map<String, String> env) {
    ImmutableRegistrySettings.Builder b = builder();
    String mirrors = env.getOrDefault("POC_REGISTRY_MIRRORS", "");
    for (String entry : mirrors.split(";")) {
      if (entry.isBlank()) {
        continue;
      }
      int eq = entry.indexOf('=');
      if (eq <= 0) {
        throw new InvalidSpecException("POC_REGISTRY_MIRRORS entry '" + entry
            + "' is not REGISTRY=URL[,URL]: write e.g. docker.io=http://127.0.0.1:5000");
      }
      List<URI> uris = new ArrayList<>();
      for (String u : entry.substring(eq + 1).split(",")) {
        if (!u.isBlank()) {
          uris.add(URI.create(u.trim()));
        }
      }
      b.putMirrors(entry.substring(0, eq).trim(), uris);
    }
    for (String host : env.getOrDefault("POC_INSECURE_REGISTRIES", "").split(",")) {
      if (!host.isBlank()) {
        b.addInsecure(host.trim());
      }
    }
    b.mirrorsOnly(Boolean.parseBoolean(env.getOrDefault("POC_REGISTRY_MIRRORS_ONLY", "false").trim()));
    String dir = env.get("DOCKER_CONFIG");
    if (dir != null && !dir.isEmpty()) {
      b.authFile(Path.of(dir, "config.json"));
    }
    return b.build();
  }

  /** The endpoints to try for {@code registry}, in order: its mirrors, then (unless mirrors only) itself. */
  List<URI> endpoints(String registry) {
    List<URI> list = new ArrayList<>(mirrors().getOrDefault(registry, List.of()));
    list.addAll(mirrors().getOrDefault("*", List.of()));
    if (!mirrorsOnly()) {
      String host = registry.equals(ImageReference.DOCKER_HUB) ? "registry-1.docker.io" : registry;
      list.add(URI.create((insecure().contains(registry) ? "http://" : "https://") + host));
    }
    return list;
  }

  /** The mirrors as text, for messages. */
  Optional<String> describeMirrors(String registry) {
    Map<String, List<URI>> m = new LinkedHashMap<>(mirrors());
    List<URI> mine = m.getOrDefault(registry, List.of());
    return mine.isEmpty() ? Optional.empty() : Optional.of(mine.toString());
  }
}
