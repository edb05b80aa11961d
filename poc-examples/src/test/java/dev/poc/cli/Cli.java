package dev.poc.cli;

import dev.poc.ContainerRuntime;
import dev.poc.NetworkSettings;
import dev.poc.junit.BusyboxRootfs;
import dev.poc.junit.TestNetwork;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Runs the packaged CLI (target/poc.jar, or ./poc) as a user would, in a state root and on a
 * {@link TestNetwork} of the test's own: every command gets {@code POC_STATE_ROOT} and the
 * {@code POC_BRIDGE}, {@code POC_*_SUBNET}, {@code POC_CHAIN_PREFIX} variables.
 */
final class Cli implements AutoCloseable {
  record Result(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  private final Path stateRoot;
  private final TestNetwork network;
  private final List<Path> temporary = new ArrayList<>();

  Cli() throws IOException {
    stateRoot = tempDir("poc-cli-it-");
    network = TestNetwork.reserve();
  }

  /** A directory removed by {@link #close()}, readable by any user (containers may run as one). */
  Path tempDir(String prefix) throws IOException {
    Path dir = Files.createTempDirectory(prefix);
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    temporary.add(dir);
    return dir;
  }

  /**
   * Removes the bridge and chains the commands made, gives the subnets back, and removes the state
   * root and every directory made for the test (no container runs on them by now).
   */
  @Override
  public void close() throws IOException {
    try (ContainerRuntime rt = ContainerRuntime.builder().stateRoot(stateRoot).network(network.settings()).build()) {
      rt.pruneNetwork();
    } finally {
      network.close();
    }
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

  NetworkSettings network() {
    return network.settings();
  }

  /** What every command of this test sees in its environment. */
  Map<String, String> environment() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("POC_STATE_ROOT", stateRoot.toString());
    env.put(NetworkEnv.BRIDGE, network.settings().bridgeName());
    env.put(NetworkEnv.BRIDGE_SUBNET, network.settings().bridgeSubnet());
    env.put(NetworkEnv.DEFAULT_SUBNET, network.settings().defaultSubnet());
    env.put(NetworkEnv.CHAIN_PREFIX, network.settings().chainPrefix());
    // each command in a JVM of its own: a CLI server would outlive the suite (CliFrontIT, which
    // tests the front and the server, turns it on in a directory of its own and stops what it started)
    env.put("POC_SERVER", "off");
    return env;
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

  /** The command line that runs the CLI with this test's environment (for tmux). */
  String commandLine() {
    return environment().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "))
        + " java -jar " + jar();
  }

  Result run(String... args) throws Exception {
    return runWithInput(null, args);
  }

  Result runWithInput(String stdin, String... args) throws Exception {
    return exec(javaCommand(args), stdin);
  }

  /** {@code poc ARGS} with {@code extra} in its environment. */
  Result runWith(Map<String, String> extra, String... args) throws Exception {
    return exec(javaCommand(args), null, extra);
  }

  private static List<String> javaCommand(String... args) {
    List<String> cmd = new ArrayList<>(List.of("java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar().toString()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  /**
   * One of the seed's lines, e.g. {@code sudo ./poc run net-disabled test0 bash}, typed at the
   * repository root; {@code sudo} keeps the test's environment, or goes when there is none (root).
   */
  Result line(String line, String stdin) throws Exception {
    boolean sudo = new ProcessBuilder("sh", "-c", "command -v sudo").start().waitFor() == 0;
    String keep = String.join(",", environment().keySet());
    String cmd = sudo ? line.replace("sudo ", "sudo --preserve-env=" + keep + " ") : line.replace("sudo ", "");
    Result r = exec(List.of("bash", "-c", "cd " + launcher().getParent() + " && " + cmd), stdin);
    System.out.println("$ " + line + "\n" + r);
    return r;
  }

  Result exec(List<String> cmd, String stdin) throws Exception {
    return exec(cmd, stdin, Map.of());
  }

  /** As {@link #exec(List, String)}, with {@code extra} added to (or replacing in) the environment, e.g. a PATH. */
  Result exec(List<String> cmd, String stdin, Map<String, String> extra) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(environment());
    pb.environment().putAll(extra);
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

  /** Starts {@code poc ARGS} and returns at once, its stdin closed (for a CLI that stays, e.g. to relay ports). */
  Background background(String... args) throws IOException {
    Process p = start(javaCommand(args));
    p.getOutputStream().close();
    return new Background(p);
  }

  private Process start(List<String> cmd) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(environment());
    return pb.start();
  }

  /** A CLI process still running; its stderr is read line by line. */
  static final class Background implements AutoCloseable {
    final Process process;
    private final BufferedReader err;

    Background(Process process) {
      this.process = process;
      this.err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
    }

    /** The next line it prints on stderr (null at its end). */
    String nextErrorLine() throws IOException {
      return err.readLine();
    }

    /** Waits for its end; its exit status. */
    int awaitExit() throws InterruptedException {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        throw new AssertionError("the poc process " + process.pid() + " did not end within 30 s");
      }
      return process.exitValue();
    }

    @Override
    public void close() {
      process.destroy(); // SIGTERM: the CLI stops its container on the way out
    }
  }

  private static String read(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** A tiny root filesystem: the host's busybox-static, every applet. */
  Path busyboxRoot() throws IOException, InterruptedException {
    return BusyboxRootfs.make(tempDir("poc-cli-rootfs-"));
  }
}
