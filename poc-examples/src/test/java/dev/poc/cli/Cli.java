package dev.poc.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the packaged CLI (target/poc.jar) as a user would, in a state root of the test's own. */
final class Cli implements AutoCloseable {
  record Result(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  private final Path stateRoot;
  private final List<Path> temporary = new ArrayList<>();

  Cli() throws IOException {
    stateRoot = tempDir("poc-cli-it-");
  }

  /** A directory removed by {@link #close()}, readable by any user (containers may run as one). */
  Path tempDir(String prefix) throws IOException {
    Path dir = Files.createTempDirectory(prefix);
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    temporary.add(dir);
    return dir;
  }

  /** Removes the state root and every directory made for the test (no container runs on them by now). */
  @Override
  public void close() throws IOException {
    for (Path dir : temporary) {
      try (var all = Files.walk(dir)) {
        for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  Path stateRoot() {
    return stateRoot;
  }

  static Path jar() {
    return Path.of(System.getProperty("poc.jar", "target/poc.jar")).toAbsolutePath();
  }

  static Path launcher() {
    return Path.of(System.getProperty("poc.launcher", "../poc")).toAbsolutePath().normalize();
  }

  static String name(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 6);
  }

  /** The command line that runs the CLI with this state root (for tmux). */
  String commandLine() {
    return "POC_STATE_ROOT=" + stateRoot + " java -jar " + jar();
  }

  Result run(String... args) throws Exception {
    return runWithInput(null, args);
  }

  Result runWithInput(String stdin, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar().toString()));
    cmd.addAll(List.of(args));
    return exec(cmd, stdin);
  }

  Result exec(List<String> cmd, String stdin) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("POC_STATE_ROOT", stateRoot.toString());
    Process p = pb.start();
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    String out = read(p.getInputStream());
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("poc " + cmd + " did not end within 60 s");
    }
    return new Result(p.exitValue(), out, err.join());
  }

  private static String read(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** A tiny root filesystem: the host's busybox-static and sh. */
  Path busyboxRoot() throws IOException {
    Path root = tempDir("poc-cli-rootfs-");
    Path bin = Files.createDirectories(root.resolve("bin"));
    Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
    for (String applet : List.of("sh", "cat", "echo", "hostname", "ls", "pwd", "id", "sleep", "env")) {
      Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
    }
    return root;
  }
}
