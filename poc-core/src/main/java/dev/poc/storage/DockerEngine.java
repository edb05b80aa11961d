package dev.poc.storage;

import dev.poc.PocException;
import dev.poc.Progress;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The five Docker Engine API calls poc needs to turn a Dockerfile into a root filesystem: build,
 * create a container, export it, and remove both again. Talks to the daemon's Unix socket.
 */
public final class DockerEngine {
  public static final Path DEFAULT_SOCKET = Path.of("/var/run/docker.sock");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int LOG_TAIL = 30;

  private final Path socket;

  public DockerEngine(Path socket) {
    this.socket = socket;
  }

  public Path socket() {
    return socket;
  }

  /** Empty when a daemon answers on the socket; else why not, in words. */
  public Optional<String> unavailable() {
    if (!Files.exists(socket)) {
      return Optional.of(socket + " does not exist");
    }
    try (UnixHttp.Response r = UnixHttp.send(socket, "GET", "/_ping", null, 0, null)) {
      return r.ok() ? Optional.empty() : Optional.of("the daemon on " + socket + " answered " + r.status() + " to a ping");
    } catch (IOException | RuntimeException e) {
      return Optional.of("nothing answers on " + socket + " (" + e.getMessage() + ")");
    }
  }

  /**
   * Builds the context tarball {@code contextTar} (a Dockerfile at its top) as {@code tag}, with
   * the classic builder; each log line goes to {@code progress}. A failed build is an error that
   * carries the end of the log.
   */
  void build(Path contextTar, String tag, Map<String, String> buildArgs, Progress progress) throws IOException {
    String target = "/build?t=" + encode(tag) + "&rm=1&forcerm=1&buildargs=" + encode(JSON.writeValueAsString(buildArgs));
    Deque<String> log = new ArrayDeque<>();
    String error = null;
    try (UnixHttp.Response r = UnixHttp.send(socket, "POST", target, "application/x-tar", Files.size(contextTar),
        out -> Files.copy(contextTar, out))) {
      if (!r.ok()) {
        throw new PocException("docker build: the daemon refused the build (" + r.status() + "): " + message(r));
      }
      try (MappingIterator<Map<String, Object>> messages = messages(r.body())) {
        while (messages.hasNext()) {
          Map<String, Object> m = messages.next();
          if (m.get("error") != null) {
            error = String.valueOf(m.get("error")).trim();
          }
          for (String line : lines(m)) {
            if (log.size() == LOG_TAIL) {
              log.removeFirst();
            }
            log.addLast(line);
            progress.step(line);
          }
        }
      }
    }
    if (error != null) {
      throw new PocException("docker build failed: " + error + "\n  build log (last lines):\n    "
          + String.join("\n    ", log));
    }
  }

  /** The readable lines of one build message: its stream text, or a pull's status without byte counts. */
  private static List<String> lines(Map<String, Object> m) {
    if (m.get("stream") instanceof String s) {
      return s.lines().map(String::stripTrailing).filter(l -> !l.isBlank()).toList();
    }
    if (m.get("status") instanceof String s && !(m.get("progressDetail") instanceof Map<?, ?> d && !d.isEmpty())) {
      return List.of((m.get("id") != null ? m.get("id") + ": " : "") + s);
    }
    if (m.get("error") instanceof String s) {
      return List.of("ERROR: " + s.trim());
    }
    return List.of();
  }

  /** Creates (does not start) a container of {@code image}; returns its id. */
  String createContainer(String image) throws IOException {
    byte[] body = JSON.writeValueAsBytes(Map.of("Image", image, "Cmd", List.of("/bin/true"), "NetworkDisabled", true));
    try (UnixHttp.Response r = UnixHttp.send(socket, "POST", "/containers/create", "application/json", body.length,
        out -> out.write(body))) {
      if (!r.ok()) {
        throw new PocException("docker: creating a container of " + image + " failed (" + r.status() + "): " + message(r));
      }
      return String.valueOf(JSON.readValue(r.body(), Map.class).get("Id"));
    }
  }

  /** Writes the container's whole file system, as a tar, to {@code tar}. */
  void export(String containerId, Path tar) throws IOException {
    try (UnixHttp.Response r = UnixHttp.send(socket, "GET", "/containers/" + containerId + "/export", null, 0, null)) {
      if (!r.ok()) {
        throw new PocException("docker: exporting container " + containerId + " failed (" + r.status() + "): " + message(r));
      }
      Files.copy(r.body(), tar, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  void removeContainer(String containerId) throws IOException {
    delete("/containers/" + containerId + "?force=1&v=1", "container " + containerId);
  }

  void removeImage(String ref) throws IOException {
    delete("/images/" + encode(ref) + "?force=1", "image " + ref);
  }

  private void delete(String target, String what) throws IOException {
    try (UnixHttp.Response r = UnixHttp.send(socket, "DELETE", target, null, 0, null)) {
      if (!r.ok() && r.status() != 404) {
        throw new PocException("docker: removing " + what + " failed (" + r.status() + "): " + message(r));
      }
      r.body().readAllBytes();
    }
  }

  private static MappingIterator<Map<String, Object>> messages(InputStream body) throws IOException {
    JsonParser parser = JSON.getFactory().createParser(body);
    return JSON.readerFor(Map.class).readValues(parser);
  }

  /** The "message" of an error answer, or its text. */
  private static String message(UnixHttp.Response r) throws IOException {
    String text = r.text().trim();
    try {
      Object m = JSON.readValue(text, Map.class).get("message");
      return m != null ? m.toString() : text;
    } catch (IOException e) {
      return text;
    }
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
