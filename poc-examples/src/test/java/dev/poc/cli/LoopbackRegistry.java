package dev.poc.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poc.image.Digest;
import dev.poc.junit.BusyboxRootfs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

/**
 * Debian's docker-registry on 127.0.0.1 holding {@code library/busybox:1.36}: one busybox layer,
 * Cmd {@code echo hello from the image}, written here as an OCI layout and copied in by skopeo.
 * Commands reach it only as a mirror of docker.io with mirrors-only set, so nothing leaves the machine.
 */
final class LoopbackRegistry implements AutoCloseable {
  private final Process process;
  private final int port;

  private LoopbackRegistry(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  static LoopbackRegistry start(Path dir) throws IOException, InterruptedException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Files.createDirectories(dir.resolve("data"));
    Path config = Files.writeString(dir.resolve("config.yml"), "version: 0.1\nlog:\n  level: error\n"
        + "storage:\n  filesystem:\n    rootdirectory: " + dir.resolve("data") + "\n"
        + "http:\n  addr: 127.0.0.1:" + port + "\n");
    ProcessBuilder pb = new ProcessBuilder("/usr/bin/docker-registry", "serve", config.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile());
    LoopbackRegistry r = new LoopbackRegistry(pb.start(), port);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (;;) {
      try {
        HttpURLConnection c = (HttpURLConnection) r.uri().resolve("/v2/").toURL().openConnection(java.net.Proxy.NO_PROXY);
        if (c.getResponseCode() == 200) {
          break;
        }
      } catch (IOException notYet) {
        if (System.nanoTime() > deadline || !r.process.isAlive()) {
          r.close();
          throw new IllegalStateException("docker-registry did not start: " + Files.readString(dir.resolve("registry.log")));
        }
        Thread.sleep(50);
      }
    }
    r.push(layout(dir.resolve("layout")));
    return r;
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** The environment that sends docker.io to this registry, and nowhere else. */
  java.util.Map<String, String> environment() {
    return java.util.Map.of("POC_REGISTRY_MIRRORS", "docker.io=" + uri(), "POC_REGISTRY_MIRRORS_ONLY", "true",
        "DOCKER_CONFIG", "/nonexistent-poc-test");
  }

  private void push(Path layout) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("skopeo", "--insecure-policy", "copy", "--dest-tls-verify=false",
        "oci:" + layout + ":1.36", "docker://127.0.0.1:" + port + "/library/busybox:1.36").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException("skopeo copy failed: " + out);
    }
  }

  private static Path layout(Path dir) throws IOException, InterruptedException {
    ObjectMapper json = new ObjectMapper();
    Path rootfs = BusyboxRootfs.make(dir.resolve("rootfs"));
    Process tar = new ProcessBuilder("tar", "--numeric-owner", "-C", rootfs.toString(), "-cf", "-", ".").start();
    byte[] plain = tar.getInputStream().readAllBytes();
    if (tar.waitFor() != 0) {
      throw new IOException("tar failed");
    }
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream o = new GZIPOutputStream(gz)) {
      o.write(plain);
    }
    Files.createDirectories(dir.resolve("blobs/sha256"));
    Digest layer = blob(dir, gz.toByteArray());
    ObjectNode config = json.createObjectNode().put("architecture", dev.poc.image.Platform.host().architecture()).put("os", "linux");
    config.putObject("config").putArray("Cmd").add("echo").add("hello from the image");
    config.putObject("rootfs").put("type", "layers").putArray("diff_ids").add(Digest.of(plain).toString());
    byte[] configBytes = json.writeValueAsBytes(config);
    Digest cfg = blob(dir, configBytes);
    ObjectNode m = json.createObjectNode().put("schemaVersion", 2).put("mediaType", "application/vnd.oci.image.manifest.v1+json");
    m.putObject("config").put("mediaType", "application/vnd.oci.image.config.v1+json").put("digest", cfg.toString())
        .put("size", configBytes.length);
    m.putArray("layers").addObject().put("mediaType", "application/vnd.oci.image.layer.v1.tar+gzip")
        .put("digest", layer.toString()).put("size", gz.size());
    byte[] manifest = json.writeValueAsBytes(m);
    Digest md = blob(dir, manifest);
    ObjectNode index = json.createObjectNode().put("schemaVersion", 2);
    ObjectNode ref = index.putArray("manifests").addObject().put("mediaType", "application/vnd.oci.image.manifest.v1+json")
        .put("digest", md.toString()).put("size", manifest.length);
    ref.putObject("annotations").put("org.opencontainers.image.ref.name", "1.36");
    Files.write(dir.resolve("index.json"), json.writeValueAsBytes(index));
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    return dir;
  }

  private static Digest blob(Path dir, byte[] bytes) throws IOException {
    Digest d = Digest.of(bytes);
    Files.write(dir.resolve("blobs/sha256").resolve(d.hex()), bytes);
    return d;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
