package dev.poc;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jnr.ffi.LibraryLoader;

/**
 * Debian's docker-registry (the CNCF distribution server) on 127.0.0.1 and a free port, storing
 * under a test's directory; optionally with htpasswd basic auth. Never reachable from outside.
 */
final class LocalRegistry implements AutoCloseable {
  static final String USER = "poc";
  static final String PASSWORD = "s3cret-pass";

  private final Process process;
  private final int port;
  private final boolean auth;

  private LocalRegistry(Process process, int port, boolean auth) {
    this.process = process;
    this.port = port;
    this.auth = auth;
  }

  /** Starts a registry storing under {@code dir}; {@code auth}: htpasswd with {@link #USER}/{@link #PASSWORD}. */
  static LocalRegistry start(Path dir, boolean auth) throws IOException, InterruptedException {
    Path binary = Path.of("/usr/bin/docker-registry");
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException("docker-registry is not installed: apt-get install docker-registry");
    }
    Files.createDirectories(dir.resolve("data"));
    int port = freePort();
    StringBuilder yaml = new StringBuilder()
        .append("version: 0.1\n")
        .append("log:\n  level: error\n  accesslog:\n    disabled: true\n")
        .append("storage:\n  filesystem:\n    rootdirectory: ").append(dir.resolve("data")).append('\n')
        .append("  delete:\n    enabled: true\n")
        .append("http:\n  addr: 127.0.0.1:").append(port).append('\n');
    if (auth) {
      Path htpasswd = dir.resolve("htpasswd");
      Files.writeString(htpasswd, USER + ":" + bcrypt(PASSWORD) + "\n");
      yaml.append("auth:\n  htpasswd:\n    realm: poc-test\n    path: ").append(htpasswd).append('\n');
    }
    Path config = dir.resolve("config.yml");
    Files.writeString(config, yaml.toString());
    ProcessBuilder pb = new ProcessBuilder(binary.toString(), "serve", config.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile());
    pb.environment().keySet().removeIf(k -> k.toLowerCase().endsWith("_proxy"));
    Process p = pb.start();
    LocalRegistry r = new LocalRegistry(p, port, auth);
    r.awaitReady(dir);
    return r;
  }

  private void awaitReady(Path dir) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("docker-registry exited: " + Files.readString(dir.resolve("registry.log")));
      }
      try {
        HttpURLConnection c = (HttpURLConnection) uri().resolve("/v2/").toURL().openConnection(java.net.Proxy.NO_PROXY);
        int code = c.getResponseCode();
        c.disconnect();
        if (code == 200 || code == 401) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(50);
    }
    close();
    throw new IllegalStateException("docker-registry did not answer on " + uri() + ": " + Files.readString(dir.resolve("registry.log")));
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + port);
  }

  String hostPort() {
    return "127.0.0.1:" + port;
  }

  /** Copies an OCI layout's {@code tag} (an index with all its platforms) to {@code repo:destTag} here, digests kept. */
  void push(Path layout, String tag, String repo, String destTag) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("skopeo", "--insecure-policy", "copy", "--all", "--preserve-digests",
        "--dest-tls-verify=false"));
    if (auth) {
      cmd.add("--dest-creds=" + USER + ":" + PASSWORD);
    }
    cmd.add("oci:" + layout + ":" + tag);
    cmd.add("docker://" + hostPort() + "/" + repo + ":" + destTag);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.toLowerCase().endsWith("_proxy"));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException("skopeo copy failed: " + out);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** crypt(3) from libcrypt, whose "$2b$" method is bcrypt: what htpasswd -B writes. */
  public interface Crypt {
    String crypt(String key, String salt);
  }

  static String bcrypt(String password) {
    Crypt c = LibraryLoader.create(Crypt.class).load("crypt");
    String salt = "$2b$10$" + "abcdefghijklmnopqrstuv"; // 22 salt characters of bcrypt's alphabet
    String hash = c.crypt(password, salt);
    if (hash == null || !hash.startsWith("$2b$")) {
      throw new IllegalStateException("libcrypt made no bcrypt hash (" + hash + ")");
    }
    return hash;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
