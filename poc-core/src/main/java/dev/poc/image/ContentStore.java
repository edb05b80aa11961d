package dev.poc.image;

import dev.poc.host.FileTrees;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poc.host.Flock;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The content-addressed image store under {@code STATE/oci}: blobs by digest
 * ({@code blobs/sha256/HEX}), each layer unpacked once ({@code layers/HEX}, named by its blob),
 * and one record per image name ({@code images/NAME.json}). Blobs are written in
 * {@code ingest/} and renamed into place only after their digest checks out; layers are unpacked
 * into a temporary sibling and renamed; an image record is written last. So nothing half-written
 * is ever visible, and what a failed pull leaves is swept by the next pull or by {@link #gc()}.
 *
 * <p>Changes of what exists happen under {@code store.lock}; a container using an image holds a
 * pin ({@code pins/}), a flocked file naming its layers, which gc never removes while it is held.
 */
final class ContentStore {
  private final Path root;

  ContentStore(Path root) {
    this.root = root;
  }

  /** An action that may fail with an I/O error. */
  interface Action<T> {
    T run() throws IOException;
  }

  Path root() {
    return root;
  }

  <T> T locked(Action<T> action) throws IOException {
    Files.createDirectories(root);
    try (Flock lock = Flock.lock(root.resolve("store.lock"))) {
      return action.run();
    }
  }

  Path blob(Digest d) {
    return root.resolve("blobs").resolve("sha256").resolve(d.hex());
  }

  boolean hasBlob(Digest d) {
    return Files.isRegularFile(blob(d));
  }

  Path layer(Digest blob) {
    return root.resolve("layers").resolve(blob.hex());
  }

  boolean hasLayer(Digest blob) {
    return Files.isDirectory(layer(blob));
  }

  /** A file in the ingest area to download {@code d} into; a partial one from this pull is continued. */
  Path ingest(Digest d) throws IOException {
    return Files.createDirectories(root.resolve("ingest")).resolve(d.hex() + ".partial");
  }

  /**
   * Moves a downloaded blob into place once its digest is {@code d}; a wrong one is deleted.
   * {@code actual}: its digest, computed while it was written (the file is not read again).
   */
  void commit(Path ingested, Digest d, Digest actual) throws IOException {
    if (!actual.equals(d)) {
      Files.deleteIfExists(ingested);
      throw new ImagePullException("blob " + d + " has digest " + actual + " after download: nothing was stored");
    }
    Files.createDirectories(blob(d).getParent());
    move(ingested, blob(d));
  }

  /** Stores small blobs (manifests, configurations) whose bytes are in hand. */
  void put(byte[] bytes, Digest d) throws IOException {
    if (hasBlob(d)) {
      return;
    }
    if (!Digest.of(bytes).equals(d)) {
      throw new ImagePullException("blob " + d + " has digest " + Digest.of(bytes) + ": nothing was stored");
    }
    Path tmp = Files.createDirectories(root.resolve("ingest")).resolve(d.hex() + ".put-" + random());
    try {
      write(tmp, bytes);
      Files.createDirectories(blob(d).getParent());
      move(tmp, blob(d));
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  byte[] read(Digest d) throws IOException {
    return Files.readAllBytes(blob(d));
  }

  /**
   * Unpacks the layer blob {@code d} (stored already) into its own directory, once. Returns the
   * diff id, or empty when it was unpacked before.
   */
  Optional<Digest> unpack(Digest d, MediaTypes.Compression compression, String what) throws IOException {
    if (hasLayer(d)) {
      return Optional.empty();
    }
    Path tmp = root.resolve("layers").resolve(".unpack-" + d.hex() + "-" + random());
    Files.createDirectories(tmp);
    try {
      Digest diffId;
      try (InputStream in = Files.newInputStream(blob(d))) {
        diffId = LayerUnpacker.unpack(in, compression, tmp, what);
      }
      try {
        move(tmp, layer(d));
      } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException other) {
        // another pull unpacked it meanwhile: keep theirs
      }
      return Optional.of(diffId);
    } finally {
      FileTrees.delete(tmp);
    }
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("cannot rename " + from + " to " + to + " atomically: keep the store on one file system", e);
    }
  }

  // ---- image records ----

  private Path record(String name) {
    return root.resolve("images").resolve(URLEncoder.encode(name, StandardCharsets.UTF_8) + ".json");
  }

  /** Writes image {@code image}'s record; returns its file's attributes (the rename keeps them), which identify this record. */
  java.nio.file.attribute.BasicFileAttributes putImage(PulledImage image) throws IOException {
    ObjectNode o = Manifests.JSON.createObjectNode();
    o.put("name", image.name());
    o.put("manifest", image.manifest().toString());
    o.put("config", image.configDigest().toString());
    ArrayNode layers = o.putArray("layers");
    image.layers().forEach(l -> layers.add(l.toString()));
    o.put("size", image.size());
    o.put("pulled", image.pulled().toString());
    Path file = record(image.name());
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp-" + random());
    try {
      write(tmp, Manifests.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(o));
      java.nio.file.attribute.BasicFileAttributes attrs = Files.readAttributes(tmp, java.nio.file.attribute.BasicFileAttributes.class);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return attrs;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** The file attributes of image {@code name}'s record, or empty when there is none: a change of them means a new record. */
  Optional<java.nio.file.attribute.BasicFileAttributes> recordAttributes(String name) throws IOException {
    try {
      return Optional.of(Files.readAttributes(record(name), java.nio.file.attribute.BasicFileAttributes.class));
    } catch (java.nio.file.NoSuchFileException e) {
      return Optional.empty();
    }
  }

  Optional<PulledImage> image(String name) throws IOException {
    Path file = record(name);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    JsonNode o = Manifests.tree(Files.readAllBytes(file), "image record " + file);
    List<Digest> layers = new ArrayList<>();
    o.path("layers").forEach(l -> layers.add(Digest.parse(l.asText())));
    Digest config = Digest.parse(o.path("config").asText());
    if (!hasBlob(config)) {
      throw new ImagePullException("image " + name + ": its configuration blob " + config + " is missing from " + root
          + ": remove the image (poc rmi " + name + ") and pull it again");
    }
    return Optional.of(new PulledImage(o.path("name").asText(), Digest.parse(o.path("manifest").asText()),
        Manifests.config(read(config), name), config, List.copyOf(layers), o.path("size").asLong(),
        Instant.parse(o.path("pulled").asText())));
  }

  List<PulledImage> images() throws IOException {
    List<PulledImage> list = new ArrayList<>();
    Path dir = root.resolve("images");
    if (!Files.isDirectory(dir)) {
      return list;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
      for (Path f : files) {
        String name = URLDecoder.decode(f.getFileName().toString().replaceFirst("\\.json$", ""), StandardCharsets.UTF_8);
        image(name).ifPresent(list::add);
      }
    }
    list.sort(java.util.Comparator.comparing(PulledImage::name));
    return list;
  }

  boolean removeImage(String name) throws IOException {
    return Files.deleteIfExists(record(name));
  }

  // ---- pins and gc ----

  /** A container's hold on layers: gc keeps them while it is open. */
  static final class Pin implements AutoCloseable {
    private final Path file;
    private final Flock lock;
    private final List<Digest> layers;

    Pin(Path file, Flock lock, List<Digest> layers) {
      this.file = file;
      this.lock = lock;
      this.layers = List.copyOf(layers);
    }

    List<Digest> layers() {
      return layers;
    }

    /** The pin file's name, unique in the store. */
    String name() {
      return file.getFileName().toString();
    }

    @Override
    public void close() {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        // gc removes a pin whose lock is free
      }
      lock.close();
    }
  }

  /** Pins {@code layers} for {@code owner}; call under {@link #locked} so gc cannot slip in between. */
  Pin pin(String owner, List<Digest> layers) throws IOException {
    Path file = Files.createDirectories(root.resolve("pins")).resolve(owner + "-" + random());
    Flock lock = Flock.lock(file);
    try {
      StringBuilder s = new StringBuilder();
      layers.forEach(l -> s.append(l).append('\n'));
      Files.write(file, s.toString().getBytes(StandardCharsets.US_ASCII)); // the lock made the file
      return new Pin(file, lock, layers);
    } catch (IOException | RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  /** Containers whose disk lies over image {@code name} ({@code STATE/containers/NAME/container.json}: {@code image}). */
  List<String> disksOver(String name) throws IOException {
    List<String> users = new ArrayList<>();
    Path containers = root.resolveSibling("containers");
    if (!Files.isDirectory(containers)) {
      return users;
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(containers)) {
      for (Path d : dirs) {
        Path record = d.resolve("container.json");
        if (Files.isRegularFile(record)
            && Manifests.tree(Files.readAllBytes(record), record.toString()).path("image").asText("").equals("registry:" + name)) {
          users.add(d.getFileName().toString());
        }
      }
    }
    return users;
  }

  /**
   * Under the store lock: removes the store's directory, lock file included, when no image is
   * recorded and nothing is left after a sweep (a locker that opened the old lock file notices
   * its deletion and takes the new one).
   */
  void removeIfUnused() throws IOException {
    if (!Files.isDirectory(root)) {
      return;
    }
    locked(() -> {
      if (images().isEmpty() && isEmptyDir(root.resolve("layers")) && isEmptyDir(root.resolve("pins"))) {
        FileTrees.delete(root);
      }
      return null;
    });
  }

  private static boolean isEmptyDir(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return true;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      return !entries.iterator().hasNext();
    }
  }

  /** What {@link #gc()} removed. */
  record Swept(List<Digest> layers, List<Digest> blobs, long bytes) {}

  /**
   * Under the store lock: removes every blob and layer no image record and no held pin names,
   * the ingest area, unfinished unpacks and pins whose holder is gone.
   */
  Swept gc() throws IOException {
    return locked(() -> {
      Set<String> keep = new HashSet<>();
      for (PulledImage image : images()) {
        keep.add(image.manifest().hex());
        keep.add(image.configDigest().hex());
        image.layers().forEach(l -> keep.add(l.hex()));
      }
      Path pins = root.resolve("pins");
      if (Files.isDirectory(pins)) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(pins)) {
          for (Path pin : files) {
            Optional<Flock> free = Flock.tryLock(pin);
            if (free.isPresent()) {
              try (Flock stale = free.get()) {
                Files.deleteIfExists(pin); // its container is gone
              }
            } else {
              for (String line : Files.readAllLines(pin)) {
                if (!line.isBlank()) {
                  keep.add(Digest.parse(line.trim()).hex());
                }
              }
            }
          }
        }
      }
      keepLayersOfRuns(keep);
      sweepSpares();
      FileTrees.delete(root.resolve("ingest"));
      sweepImports();
      List<Digest> layers = new ArrayList<>();
      List<Digest> blobs = new ArrayList<>();
      long[] bytes = {0};
      sweep(root.resolve("layers"), keep, layers, bytes, true);
      sweep(root.resolve("blobs").resolve("sha256"), keep, blobs, bytes, false);
      return new Swept(layers, blobs, bytes[0]);
    });
  }

  /**
   * The directory of an overlay prepared ahead under the pin {@code pinName} that keeps its layers
   * ({@code spares/PIN}): it lives exactly as long as that pin, so a sweep knows a dead JVM's.
   */
  Path spare(String pinName) {
    return root.resolve("spares").resolve(pinName);
  }

  /** Removes the prepared overlays' directories whose pin is gone (their JVM died). Call under the lock, after stale pins went. */
  private void sweepSpares() throws IOException {
    Path spares = root.resolve("spares");
    if (!Files.isDirectory(spares)) {
      return;
    }
    List<Path> dead = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(spares)) {
      for (Path d : dirs) {
        if (!Files.exists(root.resolve("pins").resolve(d.getFileName().toString()))) {
          dead.add(d);
        }
      }
    }
    for (Path d : dead) {
      FileTrees.delete(d);
    }
  }

  /** The name of the file in a run directory that lists the layers its container uses. */
  static final String RUN_LAYERS = "image.layers";

  /**
   * Layers named by the run directories beside the store ({@code STATE/run/NAME/image.layers}):
   * a detached container outlives the JVM and its pin's lock, but its run directory stays until
   * it is released or reclaimed.
   */
  private void keepLayersOfRuns(Set<String> keep) throws IOException {
    Path runs = root.resolveSibling("run");
    if (!Files.isDirectory(runs)) {
      return;
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(runs)) {
      for (Path run : dirs) {
        Path list = run.resolve(RUN_LAYERS);
        if (Files.isRegularFile(list)) {
          for (String line : Files.readAllLines(list)) {
            if (line.matches("sha256:[0-9a-f]{64}")) {
              keep.add(line.substring(7));
            }
          }
        }
      }
    }
  }

  private static void sweep(Path dir, Set<String> keep, List<Digest> removed, long[] bytes, boolean trees) throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path e : entries) {
        String name = e.getFileName().toString();
        if (keep.contains(name)) {
          continue;
        }
        if (name.matches("[0-9a-f]{64}")) {
          removed.add(new Digest(name));
        }
        if (trees) {
          FileTrees.delete(e);
        } else {
          bytes[0] += Files.size(e);
          Files.deleteIfExists(e);
        }
      }
    }
  }

  /**
   * A scratch directory for one import ({@code imports/ID}), held by a flocked {@code ID.lock}
   * beside it until closed: a sweep removes only the ones whose importer is gone (a crash, a kill).
   */
  static final class Scratch implements AutoCloseable {
    private final Path dir;
    private final Flock lock;

    private Scratch(Path dir, Flock lock) {
      this.dir = dir;
      this.lock = lock;
    }

    Path dir() {
      return dir;
    }

    @Override
    public void close() {
      try {
        FileTrees.delete(dir);
        lock.deleteFile();
      } catch (IOException e) {
        // a later sweep removes it: its lock is free from now on
      } finally {
        lock.close();
      }
    }
  }

  /** A new import scratch directory (made empty; the lock is taken before it exists, so no sweep can take it). */
  Scratch importScratch() throws IOException {
    Path imports = Files.createDirectories(root.resolve("imports"));
    String id = Long.toHexString(System.nanoTime()) + "-" + random();
    Flock lock = Flock.lock(imports.resolve(id + ".lock"));
    try {
      return new Scratch(Files.createDirectories(imports.resolve(id)), lock);
    } catch (IOException | RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  /** Removes the scratch files of imports whose process died ({@code imports/ID} with a free {@code ID.lock}). */
  void sweepImports() throws IOException {
    Path imports = root.resolve("imports");
    if (!Files.isDirectory(imports)) {
      return;
    }
    List<Path> entries = new ArrayList<>();
    try (DirectoryStream<Path> list = Files.newDirectoryStream(imports)) {
      list.forEach(entries::add);
    }
    for (Path e : entries) {
      String name = e.getFileName().toString();
      if (name.endsWith(".lock")) {
        continue;
      }
      Path lockFile = imports.resolve(name + ".lock");
      Optional<Flock> free = Flock.tryLock(lockFile); // an old scratch without a lock file gets a free one
      if (free.isPresent()) {
        try (Flock stale = free.get()) {
          FileTrees.delete(e);
          stale.deleteFile();
        }
      }
    }
    // lock files left alone (their scratch already deleted), unless an importer holds them
    try (DirectoryStream<Path> locks = Files.newDirectoryStream(imports, "*.lock")) {
      for (Path l : locks) {
        if (!Files.exists(imports.resolve(l.getFileName().toString().replaceFirst("\\.lock$", "")))) {
          Optional<Flock> free = Flock.tryLock(l);
          if (free.isPresent()) {
            try (Flock stale = free.get()) {
              stale.deleteFile();
            }
          }
        }
      }
    }
  }

  /** Removes the leftovers of pulls and imports that died: partial downloads and unpacks, import scratch files. Call under the lock. */
  void sweepIngest() throws IOException {
    sweepImports();
    FileTrees.delete(root.resolve("ingest"));
    Path layers = root.resolve("layers");
    if (Files.isDirectory(layers)) {
      try (DirectoryStream<Path> tmp = Files.newDirectoryStream(layers, ".unpack-*")) {
        for (Path t : tmp) {
          FileTrees.delete(t);
        }
      }
    }
  }

  private static void write(Path file, byte[] bytes) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(bytes));
      ch.force(true);
    }
  }

  private static String random() {
    return Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
  }
}
