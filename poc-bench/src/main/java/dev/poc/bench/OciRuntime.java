package dev.poc.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * runc or crun, each with its own state directory ({@code --root}) under the benchmark's work
 * directory, launched in the foreground ({@code run --bundle B ID}, no terminal) like a user would.
 * crun refuses a hybrid cgroup layout, so on such a host it runs in a private mount namespace
 * with the cgroup2 mount at /sys/fs/cgroup/unified taken away: {@link #wrapper()}.
 */
final class OciRuntime {
  private final String program;
  private final Path stateDir;
  private final List<String> wrapper;

  private OciRuntime(String program, Path stateDir, List<String> wrapper) {
    this.program = program;
    this.stateDir = stateDir;
    this.wrapper = wrapper;
  }

  static OciRuntime runc(Path workDir) throws IOException {
    return new OciRuntime("runc", Files.createDirectories(workDir.resolve("runc-state")), List.of());
  }

  static OciRuntime crun(Path workDir) throws IOException {
    List<String> wrapper = CgroupLayout.isHybrid() ? hybridWrapper() : List.of();
    return new OciRuntime("crun", Files.createDirectories(workDir.resolve("crun-state")), wrapper);
  }

  /**
   * {@code unshare -m sh -c 'umount /sys/fs/cgroup/unified && exec "$@"' sh} — a private mount
   * namespace (unshare makes its mounts private) in which crun sees cgroup v1 only.
   */
  /** {@link #hybridWrapper()} on a hybrid host, else nothing. */
  static List<String> hybridWrapperIfNeeded() throws IOException {
    return CgroupLayout.isHybrid() ? hybridWrapper() : List.of();
  }

  static List<String> hybridWrapper() {
    return List.of("unshare", "-m", "sh", "-c", "umount " + CgroupLayout.UNIFIED + " && exec \"$@\"", "sh");
  }

  String program() {
    return program;
  }

  boolean available() {
    return HostCommand.exists(program);
  }

  /** The command prefix this runtime needs on this host; empty when it runs directly. */
  List<String> wrapper() {
    return wrapper;
  }

  List<String> run(Path bundle, String id) {
    return command("run", "--bundle", bundle.toString(), id);
  }

  /** {@code run -d}: returns once the container's process runs, leaving no process of the runtime's own. */
  List<String> runDetached(Path bundle, String id) {
    return command("run", "-d", "--bundle", bundle.toString(), id);
  }

  /** {@code state ID}: the container's state as JSON (its "pid" among it). */
  List<String> state(String id) {
    return command("state", id);
  }

  List<String> kill(String id, String signal) {
    return command("kill", id, signal);
  }

  List<String> delete(String id) {
    return command("delete", "--force", id);
  }

  List<String> list() {
    return command("list", "-q");
  }

  private List<String> command(String... args) {
    List<String> c = new ArrayList<>(wrapper);
    c.add(program);
    c.add("--root");
    c.add(stateDir.toString());
    c.addAll(List.of(args));
    return c;
  }

  /** The first line of {@code --version}. */
  String version() {
    try {
      return HostCommand.output(List.of(program, "--version")).lines().findFirst().orElse("?");
    } catch (IOException | InterruptedException | RuntimeException e) {
      return "unavailable (" + e.getMessage() + ")";
    }
  }
}
