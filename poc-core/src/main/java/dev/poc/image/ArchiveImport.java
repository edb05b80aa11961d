package dev.poc.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poc.NotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Images from files: an OCI image layout (a directory, or a tar of one) and a {@code docker save}
 * archive (its {@code manifest.json} with plain layer tars; newer Docker writes an OCI layout
 * inside, which is read as such). Seen as an {@link ImageSource}, so an import stores exactly
 * what a pull would: verified blobs, unpacked layers, an image record.
 */
final class ArchiveImport {
  private static final String REF_NAME = "org.opencontainers.image.ref.name";

  private ArchiveImport() {}

  /** A source over {@code dir}, an OCI layout or an unpacked docker-save archive; {@code scratch}: where to write made-up manifests. */
  static Source open(Path dir, Path scratch, String where) throws IOException {
    if (Files.isRegularFile(dir.resolve("index.json")) && Files.isDirectory(dir.resolve("blobs"))) {
      return layout(dir, where);
    }
    if (Files.isRegularFile(dir.resolve("manifest.json"))) {
      return dockerSave(dir, scratch, where);
    }
    throw new ImagePullException(where + " is neither an OCI image layout (index.json, blobs/) nor a docker save archive "
        + "(manifest.json): give one of those");
  }

  /** A source and the tags it offers. */
  record Source(ImageSource source, List<String> tags) {
    /** The tag that {@code ref} names here: its tag or full name, else the only one there is. */
    String pick(ImageReference ref, String where) {
      for (String candidate : List.of(ref.familiar(), ref.toString(), ref.tag().orElse(""))) {
        if (tags.contains(candidate)) {
          return candidate;
        }
      }
      if (tags.size() == 1) {
        return tags.get(0);
      }
      throw new NotFoundException(where + " has no image " + ref.familiar() + " (it has " + tags
          + "): name one of those");
    }
  }

  private static Source layout(Path dir, String where) throws IOException {
    JsonNode index = Manifests.tree(Files.readAllBytes(dir.resolve("index.json")), where + "/index.json");
    Map<String, Path> tags = new LinkedHashMap<>();
    int i = 0;
    for (JsonNode m : index.path("manifests")) {
      Descriptor d = Manifests.descriptor(m, where);
      String tag = m.path("annotations").path(REF_NAME).asText("");
      tags.put(tag.isEmpty() ? "#" + i : tag, blob(dir, d.digest()));
      i++;
    }
    ImageSource s = ImageSource.files(where, tags, d -> blob(dir, d), "");
    return new Source(s, new ArrayList<>(tags.keySet()));
  }

  private static Path blob(Path dir, Digest d) {
    return dir.resolve("blobs").resolve("sha256").resolve(d.hex());
  }

  /** The old docker-save format: a Docker schema 2 manifest is made up for each entry of manifest.json. */
  private static Source dockerSave(Path dir, Path scratch, String where) throws IOException {
    JsonNode entries = Manifests.tree(Files.readAllBytes(dir.resolve("manifest.json")), where + "/manifest.json");
    Map<Digest, Path> blobs = new HashMap<>();
    Map<String, Path> tags = new LinkedHashMap<>();
    int i = 0;
    for (JsonNode e : entries) {
      Path config = inside(dir, e.path("Config").asText(), where);
      Digest configDigest = RegistryClient.digestOf(config);
      blobs.put(configDigest, config);
      ObjectNode m = Manifests.JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", MediaTypes.DOCKER_MANIFEST);
      m.putObject("config").put("mediaType", "application/vnd.docker.container.image.v1+json")
          .put("digest", configDigest.toString()).put("size", Files.size(config));
      ArrayNode layers = m.putArray("layers");
      for (JsonNode l : e.path("Layers")) {
        Path layer = inside(dir, l.asText(), where);
        Digest ld = RegistryClient.digestOf(layer);
        blobs.put(ld, layer);
        layers.addObject().put("mediaType", gzipped(layer) ? "application/vnd.docker.image.rootfs.diff.tar.gzip"
                : "application/vnd.docker.image.rootfs.diff.tar")
            .put("digest", ld.toString()).put("size", Files.size(layer));
      }
      byte[] bytes = Manifests.JSON.writeValueAsBytes(m);
      Path file = Files.createDirectories(scratch).resolve("manifest-" + i + ".json");
      Files.write(file, bytes);
      blobs.put(Digest.of(bytes), file);
      List<String> repoTags = new ArrayList<>();
      e.path("RepoTags").forEach(t -> repoTags.add(t.asText()));
      if (repoTags.isEmpty()) {
        repoTags.add("#" + i);
      }
      repoTags.forEach(t -> tags.put(t, file));
      i++;
    }
    ImageSource s = ImageSource.files(where, tags, blobs::get, MediaTypes.DOCKER_MANIFEST);
    return new Source(s, new ArrayList<>(tags.keySet()));
  }

  private static boolean gzipped(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return in.read() == 0x1f && in.read() == 0x8b;
    }
  }

  /** {@code name} under {@code dir}, refused when it climbs out or runs through a symlink. */
  private static Path inside(Path dir, String name, String where) {
    Path p = dir.resolve(name).normalize();
    if (!p.startsWith(dir) || name.isEmpty()) {
      throw new ImagePullException(where + " names the file '" + name + "', which is outside the archive: refusing it");
    }
    for (Path q = p; !q.equals(dir); q = q.getParent()) {
      if (Files.isSymbolicLink(q)) {
        throw new ImagePullException(where + " names the file '" + name + "' through a symlink: refusing it");
      }
    }
    return p;
  }

  /** Unpacks the regular files and directories of the tar {@code archive} into the empty directory {@code into}. */
  static void untar(Path archive, Path into) throws IOException {
    try (InputStream raw = Files.newInputStream(archive);
         InputStream in = LayerUnpacker.decompress(raw, gzipped(archive) ? MediaTypes.Compression.GZIP : MediaTypes.Compression.NONE,
             archive.toString())) {
      TarReader tar = new TarReader(in);
      for (TarReader.Entry e; (e = tar.next()) != null; ) {
        List<String> parts = new ArrayList<>();
        for (String p : e.name().split("/")) {
          if (p.equals("..")) {
            throw new ImagePullException("archive " + archive + " has the member '" + e.name() + "', which climbs out: refusing it");
          }
          if (!p.isEmpty() && !p.equals(".")) {
            parts.add(p);
          }
        }
        if (parts.isEmpty()) {
          continue;
        }
        Path target = into.resolve(String.join("/", parts));
        if (e.type() == '5') {
          Files.createDirectories(target);
        } else if (e.type() == '0' || e.type() == '\0' || e.type() == '7') {
          Files.createDirectories(target.getParent());
          if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            Files.delete(target);
          }
          try (InputStream data = tar.data(); OutputStream out = Files.newOutputStream(target,
              java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            data.transferTo(out);
          }
        } // links and the rest: an image archive needs none of them
      }
    }
  }
}
