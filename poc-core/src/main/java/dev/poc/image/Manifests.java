package dev.poc.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Reads image indexes, manifests and configurations (OCI, and Docker's v2 schema 2). */
final class Manifests {
  static final ObjectMapper JSON = new ObjectMapper();

  private Manifests() {}

  /** A manifest: the configuration blob and the layers, bottom first. */
  record Manifest(Descriptor config, List<Descriptor> layers) {}

  static JsonNode tree(byte[] body, String what) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new ImagePullException(what + " is not valid JSON: " + e.getMessage());
    }
  }

  /** The media type a document declares, else the one it was served with. */
  static String mediaType(JsonNode doc, String servedAs) {
    String declared = doc.path("mediaType").asText("");
    if (!declared.isEmpty()) {
      return declared;
    }
    if (doc.has("manifests")) {
      return MediaTypes.OCI_INDEX;
    }
    if (doc.has("layers")) {
      return MediaTypes.OCI_MANIFEST;
    }
    return servedAs;
  }

  /** The entry of an index that runs on {@code platform}; fails naming the platforms it has. */
  static Descriptor pick(JsonNode index, Platform platform, String image) {
    List<String> offered = new ArrayList<>();
    for (JsonNode m : index.path("manifests")) {
      JsonNode p = m.path("platform");
      String os = p.path("os").asText("");
      String arch = p.path("architecture").asText("");
      String variant = p.path("variant").asText("");
      if (os.equals("unknown") || arch.equals("unknown")) {
        continue; // attestations that buildkit adds
      }
      offered.add(os + "/" + arch + (variant.isEmpty() ? "" : "/" + variant));
      if (platform.matches(os, arch, variant)) {
        return descriptor(m, image);
      }
    }
    throw new ImagePullException("image " + image + " has no manifest for platform " + platform + " (it has "
        + (offered.isEmpty() ? "none" : String.join(", ", offered)) + "): pick an image built for this machine");
  }

  static Manifest manifest(JsonNode doc, String image) {
    if (doc.path("schemaVersion").asInt() == 1) {
      throw new ImagePullException("image " + image + " has a schema 1 manifest, which poc does not read: push it again with a current tool");
    }
    Descriptor config = descriptor(doc.path("config"), image);
    List<Descriptor> layers = new ArrayList<>();
    for (JsonNode l : doc.path("layers")) {
      layers.add(descriptor(l, image));
    }
    return new Manifest(config, layers);
  }

  static Descriptor descriptor(JsonNode d, String image) {
    String digest = d.path("digest").asText("");
    if (digest.isEmpty()) {
      throw new ImagePullException("image " + image + ": a manifest entry has no digest: " + d);
    }
    return new Descriptor(d.path("mediaType").asText(""), Digest.parse(digest), d.path("size").asLong(-1));
  }

  /** The runtime defaults of an image configuration blob. */
  static ImageConfig config(byte[] blob, String image) {
    JsonNode doc = tree(blob, "the configuration of image " + image);
    JsonNode c = doc.path("config");
    ImmutableImageConfig.Builder b = ImageConfig.builder();
    c.path("Entrypoint").forEach(n -> b.addEntrypoint(n.asText()));
    c.path("Cmd").forEach(n -> b.addCmd(n.asText()));
    c.path("Env").forEach(n -> b.addEnv(n.asText()));
    c.path("ExposedPorts").fieldNames().forEachRemaining(b::addExposedPorts);
    c.path("Labels").fields().forEachRemaining(e -> b.putLabels(e.getKey(), e.getValue().asText()));
    if (!c.path("WorkingDir").asText("").isEmpty()) {
      b.workingDir(c.get("WorkingDir").asText());
    }
    if (!c.path("User").asText("").isEmpty()) {
      b.user(c.get("User").asText());
    }
    if (!c.path("StopSignal").asText("").isEmpty()) {
      b.stopSignal(c.get("StopSignal").asText());
    }
    doc.path("rootfs").path("diff_ids").forEach(n -> b.addDiffIds(n.asText()));
    b.os(doc.path("os").asText("linux")).architecture(doc.path("architecture").asText(""));
    return b.build();
  }
}
