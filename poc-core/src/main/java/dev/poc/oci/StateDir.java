package dev.poc.oci;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poc.NotFoundException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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
 * {@code ID/front} (what the native front, {@code poc-oci-front}, reads to answer {@code state},
 * {@code kill}, {@code start} and {@code delete} without a JVM), and {@code .poc/}, the state root of the poc
 * runtime underneath (its run records, which its reclaim undoes).
 */
final class StateDir {
  static final Path DEFAULT_ROOT = Path.of("/run/poc-oci");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RECORD = "container.json";
  private static final String FRONT = "front";
  /**
   * The first line of {@code ID/front}; the front hands a file of any other format to the JVM (and
   * the delete of a container whose file is of format 1, which had no release lines).
   */
  static final String FRONT_FORMAT = "poc-oci-front 2";

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

  /**
   * Writes {@code ID/front} for the native front, before the record (a container the front sees has
   * both): flat lines it reads without a JSON parser, then this side's rendering of the state
   * document cut around its status and pid, so both sides print the same bytes.
   *
   * <pre>
   * poc-oci-front 2
   * pid=N
   * pidstart=N
   * config=BUNDLE/config.json
   * release=RUN_DIR          what delete releases ({@link FrontRelease}), when the front may:
   * lock=NAME_LOCK_FILE        the name lock, taken once the init is gone, deleted while held
   * busy=PATH                  (any number) if it exists, the JVM deletes
   * leases=DIR                 if a DIR/*.leases.json names RUN_DIR, the JVM deletes
   * netns=/run/netns/NAME      unmounted (detached) and removed when there
   * cgroup2=DIR, cgroup1=DIR   (any number) the group, removed in this order as Cgroups.remove does
   * member=/poc/ID             the group's path in /proc/PID/cgroup, for its kills
   * head=BYTES
   * tail=BYTES
   * HEAD (up to "status") TAIL (from "bundle" to the closing brace)
   * </pre>
   *
   * Without the release lines (empty {@code release}) the front leaves delete to the JVM. A bundle
   * path with a line break gets no file: the front then hands every verb to the JVM.
   */
  void writeFront(Record r, List<String> release) throws IOException {
    if (r.bundle().contains("\n")) {
      return;
    }
    String doc = render(state(r, "created"));
    int status = doc.indexOf("\n  \"status\" : ");
    int bundle = doc.indexOf("\n  \"bundle\" : ");
    if (status < 0 || bundle < status) {
      throw new IllegalStateException("the state document has an unexpected layout: " + doc);
    }
    byte[] head = doc.substring(0, status + 1).getBytes(StandardCharsets.UTF_8);
    byte[] tail = doc.substring(bundle + 1).getBytes(StandardCharsets.UTF_8);
    StringBuilder lines = new StringBuilder(FRONT_FORMAT + "\npid=" + r.pid() + "\npidstart=" + r.pidStart() + "\nconfig="
        + Path.of(r.bundle()).resolve("config.json") + "\n");
    release.forEach(l -> lines.append(l).append('\n'));
    lines.append("head=").append(head.length).append("\ntail=").append(tail.length).append('\n');
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(lines.toString().getBytes(StandardCharsets.UTF_8));
    out.write(head);
    out.write(tail);
    Path tmp = dir(r.id()).resolve(FRONT + ".tmp");
    Files.write(tmp, out.toByteArray());
    Files.move(tmp, dir(r.id()).resolve(FRONT), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** The state document as {@code poc-oci state} prints it (Jackson's default pretty printer). */
  static String render(ObjectNode state) throws IOException {
    return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(state);
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
    return state(r, status(r));
  }

  /** The state document of {@code r} in {@code status}. */
  ObjectNode state(Record r, String status) {
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
