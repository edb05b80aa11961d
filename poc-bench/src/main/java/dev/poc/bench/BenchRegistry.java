package dev.poc.bench;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's docker-registry (the CNCF distribution server) on 127.0.0.1 and a free port, storing
 * under the bench's work directory, plain HTTP, no auth: the registry both sides of scenario 7's
 * pull row fetch from. Nothing listens beyond loopback.
 */
final class BenchRegistry implements AutoCloseable {
  static final Path BINARY = Path.of("/usr/bin/docker-registry");

  private final Process process;
  private final int port;

  private BenchRegistry(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  static boolean installed() {
    return Files.isExecutable(BINARY);
  }

  static BenchRegistry start(Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir.resolve("data"));
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path config = dir.resolve("config.yml");
    Files.writeString(config, "version: 0.1\n"
        + "log:\n  level: error\n  accesslog:\n    disabled: true\n"
        + "storage:\n  filesystem:\n    rootdirectory: " + dir.resolve("data") + "\n  delete:\n    enabled: true\n"
        + "http:\n  addr: 127.0.0.1:" + port + "\n");
    ProcessBuilder pb = new ProcessBuilder(BINARY.toString(), "serve", config.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile());
    pb.environment().keySet().removeIf(k -> k.toLowerCase().endsWith("_proxy"));
    BenchRegistry r = new BenchRegistry(pb.start(), port);
    try {
      r.awaitReady(dir);
    } catch (IOException | InterruptedException | RuntimeException e) {
      r.close();
      throw e;
    }
    return r;
  }

  private void awaitReady(Path dir) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new BenchmarkFailedException("docker-registry exited: " + Files.readString(dir.resolve("registry.log")));
      }
      try {
        HttpURLConnection c = (HttpURLConnection) uri().resolve("/v2/").toURL().openConnection(java.net.Proxy.NO_PROXY);
        int code = c.getResponseCode();
        c.disconnect();
        if (code == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(50);
    }
    throw new BenchmarkFailedException("docker-registry did not answer on " + uri() + ": " + Files.readString(dir.resolve("registry.log")));
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + port);
  }

  String hostPort() {
    return "127.0.0.1:" + port;
  }

  /** skopeo copies {@code layout}'s {@code tag} to {@code repo:tag} here, digests kept. */
  void push(Path layout, String tag, String repo) throws IOException, InterruptedException {
    HostCommand.outputLocal(List.of("skopeo", "--insecure-policy", "copy", "--quiet", "--preserve-digests", "--dest-tls-verify=false",
        "oci:" + layout + ":" + tag, "docker://" + hostPort() + "/" + repo + ":" + tag));
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
