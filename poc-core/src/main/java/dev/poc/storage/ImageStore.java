package dev.poc.storage;

import dev.poc.Image;
import dev.poc.NameInUseException;
import dev.poc.NotFoundException;
import dev.poc.host.Mounts;
import dev.poc.internal.ContainerNames;
import dev.poc.launch.Release;
import dev.poc.state.JsonFiles;
import dev.poc.state.StateStore;
import dev.poc.state.StoredContainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The images of a state root: {@code images/NAME/rootfs} and {@code images/NAME/image.json}. An
 * image is made in a staging directory and renamed into place under the store lock, so a name
 * either holds a whole image or nothing, and a failed or crashed build leaves only staging
 * directories, which prune removes.
 */
public final class ImageStore {
  public static final String DEFAULT = "default";
  private static final String META = "image.json";
  private static final String STAGING_PREFIX = ".staging-";
  private static final String TRASH_PREFIX = ".trash-";

  private final StateStore store;

  ImageStore(StateStore store) {
    this.store = store;
  }

  public Path rootfs(String name) {
    return store.imagesDir().resolve(name).resolve("rootfs");
  }

  Optional<Image> find(String name) throws IOException {
    return JsonFiles.read(store.imagesDir().resolve(name).resolve(META), ImageStore::fromMap);
  }

  /** The image named {@code name}; a missing one is an error that says how to make it. */
  Image require(String name) throws IOException {
    return find(ContainerNames.validate(name, "image")).orElseThrow(() -> new NotFoundException(
        "image '" + name + "' does not exist: make it with `poc init`" + (name.equals(DEFAULT) ? "" : " (it makes 'default')")
            + ", or import a root filesystem tarball with images().importTarball(\"" + name + "\", path)"));
  }

  public List<Image> list() throws IOException {
    List<Image> images = new ArrayList<>();
    for (String name : StateStore.names(store.imagesDir())) {
      find(name).ifPresent(images::add);
    }
    return images;
  }

  /** A fresh staging directory for image {@code name}; fails early when the name is taken. */
  public Staging stage(String name) throws IOException {
    ContainerNames.validate(name, "image");
    refuseExisting(name);
    Path dir = store.imagesDir().resolve(STAGING_PREFIX + name + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    Files.createDirectories(dir.resolve("rootfs"));
    return new Staging(name, dir);
  }

  private void refuseExisting(String name) throws IOException {
    Optional<Image> existing = find(name);
    if (existing.isPresent()) {
      throw new NameInUseException("image '" + name + "' already exists (" + existing.get()
          + "): remove it first (images().remove(\"" + name + "\"), or poc prune) or pick another name");
    }
  }

  /** Publishes a staged image under its name; fails, removing the staging, when the name was taken meanwhile. */
  public Image commit(Staging staging, Image.Kind kind, String source) throws IOException {
    Image image = Image.builder().name(staging.name()).kind(kind).source(source).created(Instant.now()).build();
    JsonFiles.write(staging.dir().resolve(META), toMap(image));
    store.locked(() -> {
      refuseExisting(staging.name());
      Files.move(staging.dir(), store.imagesDir().resolve(staging.name()), StandardCopyOption.ATOMIC_MOVE);
      return null;
    });
    return image;
  }

  /** Removes image {@code name}; refuses while a container's disk is laid over it. */
  public void remove(String name) throws IOException {
    ContainerNames.validate(name, "image");
    Path trash = store.locked(() -> {
      require(name);
      List<String> users = new ArrayList<>();
      for (StoredContainer c : store.containers()) {
        if (c.image().equals(name)) {
          users.add(c.name());
        }
      }
      if (!users.isEmpty()) {
        throw new NameInUseException("image '" + name + "' is the base of container(s) " + String.join(", ", users)
            + ": remove them first (poc rm NAME)");
      }
      return moveToTrash(store.imagesDir().resolve(name));
    });
    Release.deleteTree(trash);
  }

  /** Removes every image, staging and trash directory (prune: the containers are gone already). */
  void removeAll() throws IOException {
    Path dir = store.imagesDir();
    if (!Files.isDirectory(dir)) {
      return;
    }
    Mounts.unmountAll(dir); // a debootstrap that died mid-way may have left proc or sys mounted
    Release.deleteTree(dir);
  }

  private Path moveToTrash(Path imageDir) throws IOException {
    Path trash = imageDir.resolveSibling(TRASH_PREFIX + imageDir.getFileName() + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    Files.move(imageDir, trash, StandardCopyOption.ATOMIC_MOVE);
    return trash;
  }

  private static Map<String, Object> toMap(Image image) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", image.name());
    m.put("kind", image.kind().name().toLowerCase(Locale.ROOT));
    m.put("source", image.source());
    m.put("created", image.created().toString());
    return m;
  }

  private static Image fromMap(Map<String, Object> m) {
    return Image.builder()
        .name((String) m.get("name"))
        .kind(Image.Kind.valueOf(((String) m.get("kind")).toUpperCase(Locale.ROOT)))
        .source((String) m.get("source"))
        .created(Instant.parse((String) m.get("created")))
        .build();
  }

  /** An image being made: unpack into {@link #rootfs()}, then {@link #commit}; closing discards it unless committed. */
  public static final class Staging implements AutoCloseable {
    private final String name;
    private final Path dir;

    Staging(String name, Path dir) {
      this.name = name;
      this.dir = dir;
    }

    String name() {
      return name;
    }

    public Path dir() {
      return dir;
    }

    public Path rootfs() {
      return dir.resolve("rootfs");
    }

    /** Removes what is left of the staging directory (nothing, once committed). */
    @Override
    public void close() throws IOException {
      if (Files.exists(dir)) {
        Mounts.unmountAll(dir);
        Release.deleteTree(dir);
      }
    }
  }
}
