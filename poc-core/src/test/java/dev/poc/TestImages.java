package dev.poc;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poc.image.Digest;
import dev.poc.image.Platform;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * Writes an OCI image layout for tests, in Java and GNU tar: busybox (from busybox-static) as the
 * base layer, a second layer that deletes a file (whiteout), hides a directory's old content
 * (opaque) and replaces a file; tag "1.36" is an index for this machine's platform and another,
 * tag "extra" adds a third layer.
 */
public final class TestImages {
  static final ObjectMapper JSON = new ObjectMapper();

  private TestImages() {}

  public record Blob(Digest digest, long size, Digest diffId) {}

  public record Layout(Path dir, Digest index, Digest hostManifest, Digest otherManifest, List<Blob> layers, Blob extraLayer,
                byte[] baseLayerBytes) {}

  public static Layout build(Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir.resolve("blobs/sha256"));
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    Path base = dir.resolve("src/base");
    TestRootfs.makeBusybox(base);
    Files.writeString(base.resolve("etc/removed.txt"), "old\n");
    Files.writeString(base.resolve("etc/replaced.txt"), "v1\n");
    Files.createDirectories(base.resolve("opt/data"));
    Files.writeString(base.resolve("opt/data/a"), "a\n");
    Files.writeString(base.resolve("opt/data/b"), "b\n");
    Files.writeString(base.resolve("opt/suid"), "x\n");
    Files.setPosixFilePermissions(base.resolve("opt/suid"), PosixFilePermissions.fromString("rwxr-xr-x"));
    run("chmod", "4755", base.resolve("opt/suid").toString());
    Path top = dir.resolve("src/top");
    Files.createDirectories(top.resolve("etc"));
    Files.createDirectories(top.resolve("opt/data"));
    Files.writeString(top.resolve("etc/.wh.removed.txt"), "");
    Files.writeString(top.resolve("etc/replaced.txt"), "v2\n");
    Files.writeString(top.resolve("opt/data/.wh..wh..opq"), "");
    Files.writeString(top.resolve("opt/data/c"), "c\n");
    Path extra = dir.resolve("src/extra");
    Files.createDirectories(extra.resolve("opt"));
    Files.writeString(extra.resolve("opt/extra.txt"), "extra\n");

    byte[] baseTar = tar(base);
    Blob l1 = layer(dir, baseTar);
    Blob l2 = layer(dir, tar(top));
    Blob l3 = layer(dir, tar(extra));
    Platform host = Platform.host();
    String other = host.architecture().equals("amd64") ? "arm64" : "amd64";
    Blob hostManifest = manifest(dir, host.architecture(), List.of(l1, l2));
    Blob otherManifest = manifest(dir, other, List.of(l1, l2));
    Blob index = index(dir, List.of(hostManifest, otherManifest), List.of(host.architecture(), other));
    Blob extraManifest = manifest(dir, host.architecture(), List.of(l1, l2, l3));
    Blob extraIndex = index(dir, List.of(extraManifest), List.of(host.architecture()));
    ObjectNode layoutIndex = JSON.createObjectNode().put("schemaVersion", 2);
    ArrayNode ms = layoutIndex.putArray("manifests");
    ms.add(ref(index, "1.36"));
    ms.add(ref(extraIndex, "extra"));
    Files.write(dir.resolve("index.json"), JSON.writeValueAsBytes(layoutIndex));
    return new Layout(dir, index.digest(), hostManifest.digest(), otherManifest.digest(), List.of(l1, l2), l3, baseTar);
  }

  private static ObjectNode ref(Blob index, String tag) {
    ObjectNode m = JSON.createObjectNode().put("mediaType", "application/vnd.oci.image.index.v1+json")
        .put("digest", index.digest().toString()).put("size", index.size());
    m.putObject("annotations").put("org.opencontainers.image.ref.name", tag);
    return m;
  }

  private static Blob manifest(Path dir, String arch, List<Blob> layers) throws IOException {
    ObjectNode config = JSON.createObjectNode().put("architecture", arch).put("os", "linux");
    ObjectNode c = config.putObject("config");
    c.putArray("Env").add("PATH=/usr/bin:/bin").add("GREETING=hello from the image");
    c.putArray("Cmd").add("sh").add("-c").add("echo $GREETING; pwd");
    c.put("WorkingDir", "/opt");
    c.putObject("ExposedPorts").putObject("8080/tcp");
    ObjectNode rootfs = config.putObject("rootfs").put("type", "layers");
    ArrayNode ids = rootfs.putArray("diff_ids");
    layers.forEach(l -> ids.add(l.diffId().toString()));
    Blob cfg = put(dir, JSON.writeValueAsBytes(config), null);
    ObjectNode m = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", "application/vnd.oci.image.manifest.v1+json");
    m.putObject("config").put("mediaType", "application/vnd.oci.image.config.v1+json")
        .put("digest", cfg.digest().toString()).put("size", cfg.size());
    ArrayNode ls = m.putArray("layers");
    for (Blob l : layers) {
      ls.addObject().put("mediaType", "application/vnd.oci.image.layer.v1.tar+gzip")
          .put("digest", l.digest().toString()).put("size", l.size());
    }
    return put(dir, JSON.writeValueAsBytes(m), null);
  }

  private static Blob index(Path dir, List<Blob> manifests, List<String> archs) throws IOException {
    ObjectNode idx = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", "application/vnd.oci.image.index.v1+json");
    ArrayNode ms = idx.putArray("manifests");
    for (int i = 0; i < manifests.size(); i++) {
      ObjectNode m = ms.addObject().put("mediaType", "application/vnd.oci.image.manifest.v1+json")
          .put("digest", manifests.get(i).digest().toString()).put("size", manifests.get(i).size());
      m.putObject("platform").put("architecture", archs.get(i)).put("os", "linux");
    }
    return put(dir, JSON.writeValueAsBytes(idx), null);
  }

  private static Blob layer(Path dir, byte[] tar) throws IOException {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(tar);
    }
    return put(dir, gz.toByteArray(), Digest.of(tar));
  }

  static Blob put(Path dir, byte[] bytes, Digest diffId) throws IOException {
    Digest d = Digest.of(bytes);
    Files.write(dir.resolve("blobs/sha256").resolve(d.hex()), bytes);
    return new Blob(d, bytes.length, diffId);
  }

  /** A plain tar of {@code dir}'s content, owners by number, in a stable order. */
  static byte[] tar(Path dir) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("tar", "--numeric-owner", "--sort=name", "--xattrs", "-C", dir.toString(), "-cf", "-", ".")
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (p.waitFor() != 0) {
      throw new IOException("tar of " + dir + " failed");
    }
    return out;
  }

  private static void run(String... cmd) throws IOException, InterruptedException {
    if (new ProcessBuilder(cmd).inheritIO().start().waitFor() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed");
    }
  }

  static List<String> hexes(List<Blob> blobs) {
    List<String> l = new ArrayList<>();
    blobs.forEach(b -> l.add(b.digest().hex()));
    return l;
  }
}
