package dev.poc.oci;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poc.NotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The state directory under {@code --root} (default {@code /run/poc-oci}): {@code ID/container.json}
 * (the {@link Record}), {@code ID/start.fifo} while the container is created and not yet started,
 * and {@code .poc/}, the state root of the poc runtime underneath (its run records, which its
 * reclaim undoes).
 */
final class StateDir {
  static final Path DEFAULT_ROOT = Path.of("/run/poc-oci");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RECORD = "container.json";

  private final Path root;

  StateDir(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  Path root() {
    return root;
  }

  /** The state root of the poc runtime that runs the containers. */
  Path pocRoot() {
    return root.resolve(".poc");
  }

  Path dir(String id) {
    return root.resolve(id);
  }

  Path startFifo(String id) {
    return dir(id).resolve("start.fifo");
  }

  /** Writes the record atomically (a temporary file renamed into place). */
  void write(Record r) throws IOException {
    Path tmp = dir(r.id()).resolve(RECORD + ".tmp");
    Files.write(tmp, JSON.writeValueAsBytes(r));
    Files.move(tmp, dir(r.id()).resolve(RECORD), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  Optional<Record> find(String id) {
    Path file = dir(id).resolve(RECORD);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readValue(file.toFile(), Record.class));
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + file + ": " + e.getMessage(), e);
    }
  }

  Record load(String id) {
    return find(id).orElseThrow(() -> new NotFoundException(
        "container '" + id + "' does not exist under " + root + ": see poc-oci --root " + root + " list"));
  }

  /** Every container with a record, by id. */
  List<Record> all() throws IOException {
    List<Record> out = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return out;
    }
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path d : dirs.sorted().toList()) {
        String id = d.getFileName().toString();
        if (!id.startsWith(".")) {
          find(id).ifPresent(out::add);
        }
      }
    }
    return out;
  }

  /**
   * The spec's status: created (the init waits for start), running, paused (its group is frozen),
   * or stopped (the init is gone).
   */
  String status(Record r) {
    if (!r.initAlive()) {
      return "stopped";
    }
    if (Files.exists(startFifo(r.id()))) {
      return "created";
    }
    return ContainerFreezer.frozen(r.pid()) ? "paused" : "running";
  }

  /** The state document of the runtime spec. */
  ObjectNode state(Record r) {
    String status = status(r);
    ObjectNode s = JSON.createObjectNode();
    s.put("ociVersion", Features.OCI_VERSION);
    s.put("id", r.id());
    s.put("status", status);
    s.put("pid", status.equals("stopped") ? 0 : r.pid());
    s.put("bundle", r.bundle());
    s.put("created", r.created());
    s.put("owner", "");
    s.set("annotations", r.annotations());
    return s;
  }
}
