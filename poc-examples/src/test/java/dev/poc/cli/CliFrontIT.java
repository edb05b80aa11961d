package dev.poc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code ./poc} through its native front and the CLI server: the first call finds no server and
 * starts one (it runs in a JVM of its own), later calls are served by it. POC_FRONT_DEBUG makes the
 * front say each call it hands to the JVM ("poc-front: to the JVM: ..."), so a call without that
 * line was the server's. The server's socket lives in a directory of this test's own, and every
 * server it started is stopped at the end.
 */
class CliFrontIT {
  private static final String TO_THE_JVM = "poc-front: to the JVM";
  private static Cli cli;
  private static Path serverDir;

  @BeforeAll
  static void setUp() throws IOException {
    cli = new Cli();
    serverDir = cli.tempDir("poc-cli-server-");
    Files.setPosixFilePermissions(serverDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
  }

  @AfterAll
  static void tearDown() throws Exception {
    stopServers();
    cli.close();
  }

  /** The front's environment: the test's state root and network, the server's directory, and a short idle time. */
  private static Map<String, String> env(Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(Map.of("POC_SERVER", "on", "POC_SERVER_DIR", serverDir.toString(),
        "POC_SERVER_IDLE", "15", "POC_FRONT_DEBUG", "1"));
    env.putAll(extra);
    return env;
  }

  private static Cli.Result poc(String... args) throws Exception {
    return pocWith(Map.of(), args);
  }

  private static Cli.Result pocWith(Map<String, String> extra, String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of(Cli.launcher().toString()));
    cmd.addAll(List.of(args));
    return cli.exec(cmd, null, env(extra));
  }

  /** A served call: a server runs (one is started when there is none), and this call did not go to the JVM. */
  private static Cli.Result served(Map<String, String> extra, String... args) throws Exception {
    awaitServer();
    Cli.Result r = pocWith(extra, args);
    assertThat(r.err()).as("served by the CLI server: %s", r).doesNotContain(TO_THE_JVM);
    return r;
  }

  private static void awaitServer() throws Exception {
    if (socket().isEmpty()) {
      Cli.Result first = poc("ps");
      assertThat(first.code()).as(first.toString()).isZero();
      await("a CLI server listening in " + serverDir, () -> socket().isPresent());
    }
  }

  private static java.util.Optional<Path> socket() {
    try (Stream<Path> files = Files.list(serverDir)) {
      return files.filter(p -> p.toString().endsWith(".sock")).findFirst();
    } catch (IOException e) {
      return java.util.Optional.empty();
    }
  }

  private static void await(String what, BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("still waiting after 60 s for " + what);
      }
      Thread.sleep(50);
    }
  }

  private static Process background(Map<String, String> extra, String... args) throws IOException {
    List<String> cmd = new java.util.ArrayList<>(List.of(Cli.launcher().toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(cli.environment());
    pb.environment().putAll(env(extra));
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    p.getOutputStream().close();
    return p;
  }

  private static boolean listed(Map<String, String> extra, String name) {
    try {
      Cli.Result ps = pocWith(extra, "ps", "-q");
      return ps.out().lines().anyMatch(name::equals);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static void stopServers() throws IOException, InterruptedException {
    try (Stream<Path> files = Files.list(serverDir)) {
      for (Path pid : files.filter(p -> p.toString().endsWith(".pid")).toList()) {
        long n = Long.parseLong(Files.readString(pid).trim());
        ProcessHandle.of(n).ifPresent(h -> {
          h.destroy();
          h.onExit().join();
        });
      }
    }
  }

  @Test
  void aServedRunGivesTheCommandsOutputAndExitCode() throws Exception {
    Cli.Result hi = served(Map.of(), "run", "--host-rootfs", "-T", "net-disabled", Cli.name("hi"), "sh", "-c", "echo hi; exit 3");
    assertThat(hi.code()).as(hi.toString()).isEqualTo(3);
    assertThat(hi.out()).isEqualTo("hi\n");
    Cli.Result no = served(Map.of(), "run", "--host-rootfs", "-T", "net-disabled", Cli.name("false"), "false");
    assertThat(no.code()).as(no.toString()).isEqualTo(1);
    Cli.Result missing = served(Map.of(), "run", "--host-rootfs", "-T", "net-disabled", Cli.name("nf"), "no-such-command-x");
    assertThat(missing.code()).as(missing.toString()).isEqualTo(127);
    assertThat(missing.err()).contains("poc: command 'no-such-command-x' not found");
  }

  @Test
  void aFormTheQuickPathDoesNotKnowRunsInTheJvm() throws Exception {
    awaitServer();
    Cli.Result r = poc("run", "--host-rootfs", "-T", "--env", "A=b", "net-disabled", Cli.name("env"), "sh", "-c", "echo $A");
    assertThat(r.out()).as(r.toString()).isEqualTo("b\n");
    assertThat(r.err()).contains(TO_THE_JVM);
    Cli.Result off = pocWith(Map.of("POC_SERVER", "off"), "ps", "-q");
    assertThat(off.code()).as(off.toString()).isZero();
    assertThat(off.err()).contains(TO_THE_JVM + ": POC_SERVER=off");
  }

  @Test
  void aServedRunsStdoutToAFileIsRelayedNotReopenable() throws Exception {
    awaitServer();
    // as CliIT's issue-18 test, through the front: its stdout is a host log file, its stdin a host directory
    Path dir = cli.tempDir("poc-front-stdio-");
    Path log = Files.writeString(dir.resolve("out.log"), "EARLIER LINE OF THE HOST LOG\n");
    String script = "stat -L -c %F /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2; "
        + "cd /proc/self/fd/0 2>&1 && ls; echo done; exit 4";
    Cli.Result r = cli.exec(List.of("bash", "-c", Cli.launcher() + " run --host-rootfs -T net-disabled " + Cli.name("stdio")
        + " sh -c \"" + script + "\" < / >> " + log + " 2>&1"), null, env(Map.of()));
    String out = Files.readString(log);
    assertThat(r.code()).as(out).isEqualTo(4);
    assertThat(out).doesNotContain(TO_THE_JVM);
    assertThat(out).startsWith("EARLIER LINE OF THE HOST LOG\nfifo\nfifo\nfifo\n");
    assertThat(out).as("cd into stdin fails").contains("can't cd to /proc/self/fd/0").endsWith("done\n");
  }

  @Test
  void noDescriptorOfTheCallerButStdioReachesTheContainer() throws Exception {
    awaitServer();
    Cli.Result r = cli.exec(List.of("bash", "-c", "exec 7</etc/hostname 8>/dev/null; exec " + Cli.launcher()
        + " run --host-rootfs -T net-disabled " + Cli.name("fds") + " sh -c 'ls /proc/self/fd'"), null, env(Map.of()));
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.err()).doesNotContain(TO_THE_JVM);
    assertThat(r.out().lines().toList()).as("0-2, and the descriptor ls reads /proc/self/fd through").containsExactly("0", "1",
        "2", "3");
  }

  @Test
  void aRelativeStateRootIsTheCallersDirectorys() throws Exception {
    awaitServer();
    Path dir = cli.tempDir("poc-front-cwd-");
    Cli.Result r = cli.exec(List.of("bash", "-c", "cd " + dir + " && exec " + Cli.launcher() + " --state-root rel ps -q"),
        null, env(Map.of()));
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.err()).doesNotContain(TO_THE_JVM);
    assertThat(dir.resolve("rel")).isDirectory();
  }

  @Test
  void aRelativePocStateRootIsTheCallersDirectorys() throws Exception {
    awaitServer();
    Path dir = cli.tempDir("poc-front-cwd-");
    String name = "poc-rel-env-" + ProcessHandle.current().pid();
    Cli.Result r = cli.exec(List.of("bash", "-c", "cd " + dir + " && exec " + Cli.launcher() + " ps -q"),
        null, env(Map.of("POC_STATE_ROOT", name)));
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.err()).doesNotContain(TO_THE_JVM);
    assertThat(dir.resolve(name)).isDirectory();
    assertThat(Path.of("/", name)).doesNotExist();
  }

  @Test
  void aCallerWithJvmOptionsRunsInTheJvm() throws Exception {
    awaitServer();
    Cli.Result r = pocWith(Map.of("JAVA_TOOL_OPTIONS", "-Dpoc.unused=1"), "ps", "-q");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.err()).contains(TO_THE_JVM + ": JAVA_TOOL_OPTIONS is set");
  }

  @Test
  void noServerIsStartedInASymlinkedOrOpenDirectory() throws Exception {
    Path real = cli.tempDir("poc-srv-real-");
    Files.setPosixFilePermissions(real, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    Path link = Files.createSymbolicLink(real.resolveSibling(real.getFileName() + "-link"), real);
    Path open = cli.tempDir("poc-srv-open-");
    Files.setPosixFilePermissions(open, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    try {
      for (Path dir : List.of(link, open)) {
        Cli.Result r = pocWith(Map.of("POC_SERVER_DIR", dir.toString()), "ps", "-q");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.err()).as(r.toString()).contains("poc: no server started: " + dir + " must be");
        try (Stream<Path> files = Files.list(dir)) {
          assertThat(files.toList()).as("nothing written in " + dir).isEmpty();
        }
      }
    } finally {
      Files.delete(link);
    }
  }

  @Test
  void psIsServedPerCallerStateRoot() throws Exception {
    awaitServer();
    Path otherRoot = cli.tempDir("poc-front-root-");
    Map<String, String> other = Map.of("POC_STATE_ROOT", otherRoot.toString());
    String name = Cli.name("long");
    Process run = background(other, "run", "--host-rootfs", "-T", "net-disabled", name, "sleep", "300");
    try {
      await(name + " listed by ps in " + otherRoot, () -> listed(other, name));
      Cli.Result there = served(other, "ps");
      assertThat(there.out()).as(there.toString()).contains(name).contains("running");
      Cli.Result here = served(Map.of(), "ps", "-q");
      assertThat(here.out()).as("the test's own state root has no such container").doesNotContain(name);
      run.destroy(); // SIGTERM to the front: the server stops the container, as the JVM CLI stops it
      assertThat(run.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(run.exitValue()).isEqualTo(128 + 15);
      assertThat(listed(other, name)).isFalse();
    } finally {
      run.destroyForcibly();
    }
  }

  @Test
  void aSignalTheCallerIgnoresStaysIgnoredAndIsNotPassedOn() throws Exception {
    awaitServer();
    String name = Cli.name("nohup");
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", "trap '' INT; exec " + Cli.launcher()
        + " run --host-rootfs -T net-disabled " + name + " sleep 300");
    pb.environment().putAll(cli.environment());
    pb.environment().putAll(env(Map.of()));
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
    Process run = pb.start(); // bash execs ./poc, which execs the front: one pid
    try {
      run.getOutputStream().close();
      await(name + " listed by ps", () -> listed(Map.of(), name));
      long status = signalMask(run.pid(), "SigIgn:");
      assertThat(status & (1L << 1)).as("SIGINT ignored by the front").isNotZero();
      assertThat(signalMask(run.pid(), "SigCgt:") & (1L << 1)).as("and not caught: never passed on").isZero();
      assertThat(signalMask(run.pid(), "SigCgt:") & (1L << 14)).as("SIGTERM still passed on").isNotZero();
      run.destroy(); // SIGTERM: the container stops
      assertThat(run.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(run.exitValue()).isEqualTo(128 + 15);
    } finally {
      run.destroyForcibly();
    }
  }

  /** A signal mask of {@code pid}'s /proc status ({@code field}: SigIgn:, SigCgt:). */
  private static long signalMask(long pid, String field) throws IOException {
    return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith(field))
        .map(l -> Long.parseUnsignedLong(l.substring(field.length()).strip(), 16)).findFirst().orElseThrow();
  }

  @Test
  void killingTheFrontStopsAndReleasesTheContainer() throws Exception {
    awaitServer();
    String name = Cli.name("killed");
    Process run = background(Map.of(), "run", "--host-rootfs", "-T", "net-disabled", name, "sleep", "300");
    await(name + " listed by ps", () -> listed(Map.of(), name));
    Path runDir = cli.stateRoot().resolve("run").resolve(name);
    assertThat(runDir).exists();
    run.destroyForcibly(); // SIGKILL: no word to the server, only the end of its socket
    await("the run directory of " + name + " removed", () -> !Files.exists(runDir));
    assertThat(listed(Map.of(), name)).isFalse();
    try (Stream<Path> groups = Files.walk(Path.of("/sys/fs/cgroup"), 3)) {
      assertThat(groups.filter(p -> p.getFileName() != null && p.getFileName().toString().equals(name)).toList())
          .as("no cgroup of %s left", name).isEmpty();
    }
  }

  @Test
  void anIdleServerLeavesAndLeavesNothingBehind() throws Exception {
    awaitServer();
    Path sock = socket().orElseThrow();
    long pid = Long.parseLong(Files.readString(Path.of(sock + ".pid")).trim());
    Cli.Result r = pocWith(Map.of("POC_SERVER_IDLE", "1"), "ps"); // the idle time is the server's, fixed at its start
    assertThat(r.err()).doesNotContain(TO_THE_JVM);
    await("the server " + pid + " gone once idle", () -> ProcessHandle.of(pid).isEmpty());
    assertThat(sock).doesNotExist();
    assertThat(Path.of(sock + ".pid")).doesNotExist();
  }
}
