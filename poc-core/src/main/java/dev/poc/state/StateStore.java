package dev.poc.state;

import dev.poc.PocException;
import dev.poc.host.Flock;
import dev.poc.internal.ContainerNames;
import dev.poc.launch.Release;
import dev.poc.storage.Disk;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The persistent state under a state root: {@code containers/NAME/container.json},
 * {@code disks/NAME/} and {@code images/NAME/}. Every change of what exists happens under one
 * flock on {@code store.lock}, so two runtimes (two JVMs, or two threads) never see a half-made
 * entry nor make the same name twice; the files themselves are replaced atomically.
 */
public final class StateStore {
  public static final String CONTAINER_FILE = "container.json";
  private final Path root;

  public StateStore(Path root) {
    this.root = root;
  }

  /** An action on the store that may fail with an I/O error. */
  public interface Action<T> {
    T run() throws IOException;
  }

  public Path root() {
    return root;
  }

  public Path containersDir() {
    return root.resolve("containers");
  }

  public Path disksDir() {
    return root.resolve("disks");
  }

  public Path imagesDir() {
    return root.resolve("images");
  }

  Path lockFile() {
    return root.resolve("store.lock");
  }

  public Disk disk(String name) {
    return new Disk(name, disksDir().resolve(name));
  }

  /** Runs {@code action}, turning an I/O error into a {@link PocException} that says what failed. */
  public static <T> T unchecked(String what, Action<T> action) {
    try {
      return action.run();
    } catch (IOException e) {
      throw new PocException(what + " failed: " + e.getMessage(), e);
    }
  }

  /** Runs {@code action} holding the store lock; keep it short (it serialises every runtime). */
  public <T> T locked(Action<T> action) throws IOException {
    Files.createDirectories(root);
    try (Flock lock = Flock.lock(lockFile())) {
      return action.run();
    }
  }

  public Optional<StoredContainer> container(String name) throws IOException {
    return JsonFiles.read(containersDir().resolve(name).resolve(CONTAINER_FILE), StoredContainer::fromMap);
  }

  /** Writes (or replaces) the record of {@code c}; call it under {@link #locked}. */
  public void put(StoredContainer c) throws IOException {
    Path dir = Files.createDirectories(containersDir().resolve(c.name()));
    JsonFiles.write(dir.resolve(CONTAINER_FILE), c.toMap());
  }

  /** Deletes the record of {@code name}; call it under {@link #locked}. */
  public void delete(String name) {
    Release.deleteTree(containersDir().resolve(name));
  }

  /** The records, by name; entries that are not poc's (bad names, no record) are skipped. */
  public List<StoredContainer> containers() throws IOException {
    List<StoredContainer> list = new ArrayList<>();
    for (String name : names(containersDir())) {
      container(name).ifPresent(list::add);
    }
    return list;
  }

  /** The valid names of the entries (directories) in {@code dir}, sorted. */
  public static List<String> names(Path dir) throws IOException {
    List<String> names = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return names;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, Files::isDirectory)) {
      for (Path p : entries) {
        String n = p.getFileName().toString();
        if (ContainerNames.isValid(n)) {
          names.add(n);
        }
      }
    }
    names.sort(null);
    return names;
  }
}
