package dev.poc.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Scenario 8: the CLI as a whole process, as a user times it: {@code ./poc run --host-rootfs -T
 * net-disabled NAME true} and {@code ./poc ps}, from spawn to exit: as {@code ./poc} runs them by
 * default (its native front and the warm CLI server, started before the clock runs), and on the
 * launcher's JVM set-ups alone ({@code POC_SERVER=off}: Java 25 with its AOT cache, Java 17 with its
 * CDS archive, Java 17 with none), beside {@code crun run} of the busybox bundle of scenario 1. Each
 * start-up cache is recorded (by the launcher, in the background) before the clock runs.
 */
final class CliScenario implements Scenario {
  static final String RUN_FRONT = "poc run --host-rootfs -T net-disabled N true (./poc: native front + warm server)";
  static final String PS_FRONT = "poc ps (./poc: native front + warm server)";
  static final String RUN = "the same run in a JVM of its own (POC_SERVER=off: Java 25, AOT cache)";
  static final String RUN_17_CDS = "the same on Java 17 with its CDS archive (POC_SERVER=off)";
  static final String RUN_17 = "the same on Java 17 without a cache (POC_SERVER=off)";
  static final String PS = "poc ps in a JVM of its own (POC_SERVER=off: Java 25, AOT cache)";
  static final String CRUN = "crun run (busybox bundle, /bin/true)";
  static final Path JAVA_17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64/bin/java");
  static final Path JAVA_25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");

  @Override
  public int number() {
    return 8;
  }

  @Override
  public Section run(BenchEnv env, Harness harness) throws Exception {
    Section section = new Section("8. The CLI as a whole process");
    Path launcher = Path.of("poc").toAbsolutePath();
    if (!Files.isExecutable(launcher)) {
      section.note("not measured: no launcher at " + launcher + " (run poc-bench/run from the repository root).");
      return section;
    }
    Path stateRoot = Files.createDirectories(env.workDir.resolve("cli-state"));
    List<Variant> variants = new ArrayList<>();
    if (Files.isExecutable(JAVA_25)) {
      awaitCache(launcher, JAVA_25, env);
      awaitServer(launcher, JAVA_25, stateRoot, env);
      variants.add(new Variant(RUN_FRONT, cliRun(launcher, JAVA_25, true, true, stateRoot, env)));
      variants.add(new Variant(PS_FRONT, () -> HostCommand.timeToExit(List.of("env", "POC_JAVA=" + JAVA_25,
          serverDirVariable(env), launcher.toString(), "--state-root", stateRoot.toString(), "ps"))));
      variants.add(new Variant(RUN, cliRun(launcher, JAVA_25, true, false, stateRoot, env)));
      variants.add(new Variant(PS, () -> HostCommand.timeToExit(List.of("env", "POC_JAVA=" + JAVA_25, "POC_SERVER=off",
          launcher.toString(), "--state-root", stateRoot.toString(), "ps"))));
    } else {
      section.note("Java 25 rows not measured: no JDK at " + JAVA_25 + ".");
    }
    if (Files.isExecutable(JAVA_17)) {
      awaitCache(launcher, JAVA_17, env);
      variants.add(new Variant(RUN_17_CDS, cliRun(launcher, JAVA_17, true, false, stateRoot, env)));
      variants.add(new Variant(RUN_17, cliRun(launcher, JAVA_17, false, false, stateRoot, env)));
    }
    if (env.crun.available()) {
      variants.add(new Variant(CRUN, env.oci(env.crun, env.bundle("true", List.of("/bin/true"), OptionalLong.empty()))));
    }
    if (variants.isEmpty()) {
      section.note("nothing to measure: neither Java 25 nor Java 17 found.");
      return section;
    }
    Map<String, long[]> samples;
    try {
      samples = harness.run(variants);
    } finally {
      stopServers(env);
    }
    section.paragraph("Each row spawns the command from this JVM and stops the clock when it has exited (the container ran "
        + "`true` and was released). The first two rows are `./poc` as it runs by default: its native front sends the "
        + "command to the CLI server, a warm JVM started before the first timed run. The POC_SERVER=off rows run each command "
        + "in a JVM of its own: the launcher picks it by $POC_JAVA; its start-up cache was recorded before the "
        + "first timed run. Interleaved, " + harness.iterations() + " runs each after warm-up, each after "
        + harness.pauseMillis() + " ms of quiet.");
    String baseline = samples.containsKey(CRUN) ? CRUN : variants.get(0).name();
    section.table(TimingTable.of(samples, new TimingTable.Baseline("crun", baseline)));
    if (samples.containsKey(RUN_FRONT)) {
      section.target(Target.atMost("poc run, whole process (native front + warm server), median",
          TimingTable.median(samples, RUN_FRONT) / 1e6, 250, "ms"));
      section.target(Target.atMost("poc ps, whole process (native front + warm server), median",
          TimingTable.median(samples, PS_FRONT) / 1e6, 150, "ms"));
      if (samples.containsKey(CRUN)) {
        section.note("poc run's median is " + Format.ratio(TimingTable.median(samples, RUN_FRONT), TimingTable.median(samples, CRUN))
            + " crun run's through the front and the warm server, " + Format.ratio(TimingTable.median(samples, RUN),
            TimingTable.median(samples, CRUN)) + " in a JVM of its own.");
      }
    }
    return section;
  }

  /** {@code server}: as ./poc runs by default (front and CLI server); else POC_SERVER=off, a JVM of its own. */
  static Trial cliRun(Path launcher, Path java, boolean cache, boolean server, Path stateRoot, BenchEnv env) {
    return () -> HostCommand.timeToExit(List.of("env", "POC_JAVA=" + java, "POC_STARTUP_CACHE=" + (cache ? "on" : "off"),
        "POC_SERVER=" + (server ? "on" : "off"), serverDirVariable(env), launcher.toString(), "--state-root", stateRoot.toString(), "run",
        "--host-rootfs", "-T", "net-disabled", env.names.next(), "true"));
  }

  /**
   * Has the launcher start its CLI server (a ps that finds none starts one) until {@code --version}
   * says it runs. The first caller's environment is the server's: it stays for {@value #SERVER_IDLE}
   * s without a call, through the scenarios that do not call it.
   */
  static void awaitServer(Path launcher, Path java, Path stateRoot, BenchEnv env) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + 120_000_000_000L;
    String said = "";
    while (System.nanoTime() < deadline) {
      Files.createDirectories(serverDir(env), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      HostCommand.output(List.of("env", "POC_JAVA=" + java, "POC_SERVER_IDLE=" + SERVER_IDLE, serverDirVariable(env),
          launcher.toString(), "--state-root", stateRoot.toString(), "ps", "-q"));
      said = HostCommand.output(List.of("env", "POC_JAVA=" + java, serverDirVariable(env), launcher.toString(), "--version"));
      if (said.contains("(running:")) {
        env.log.println("CLI: " + said.lines().reduce((a, b) -> b).orElse(""));
        return;
      }
      Thread.sleep(1000);
    }
    throw new BenchmarkFailedException("the launcher's CLI server did not start in 2 minutes: " + said);
  }

  /**
   * The bench's CLI servers live in a directory of its own run (never a user's server, which may run
   * another build or environment), and {@link #stopServers} ends them when a scenario is done.
   */
  static Path serverDir(BenchEnv env) {
    return env.workDir.resolve("cli-server");
  }

  private static String serverDirVariable(BenchEnv env) {
    return "POC_SERVER_DIR=" + serverDir(env);
  }

  /** Ends the CLI servers this run started (SIGTERM, then SIGKILL after 10 s), so none outlives the bench. */
  static void stopServers(BenchEnv env) throws IOException, InterruptedException {
    Path dir = serverDir(env);
    if (!Files.isDirectory(dir)) {
      return;
    }
    List<ProcessHandle> servers = new ArrayList<>();
    try (var files = Files.list(dir)) {
      for (Path pidFile : files.filter(f -> f.getFileName().toString().endsWith(".pid")).toList()) {
        String pid = Files.readString(pidFile).trim();
        if (pid.matches("[0-9]+")) {
          // a pid file a crashed server left may name a process that took its number since
          ProcessHandle.of(Long.parseLong(pid))
              .filter(p -> p.info().commandLine().orElse("").contains("dev.poc.cli.CliServer"))
              .ifPresent(servers::add);
        }
      }
    }
    for (ProcessHandle server : servers) {
      server.destroy();
    }
    long deadline = System.nanoTime() + 10_000_000_000L;
    for (ProcessHandle server : servers) {
      while (server.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      if (server.isAlive()) {
        env.log.println("CLI server " + server.pid() + " did not end on SIGTERM in 10 s: killed");
        server.destroyForcibly();
      }
    }
  }

  /** How long the bench's CLI server stays without a call, in seconds. */
  static final int SERVER_IDLE = 600;

  /** Starts the launcher on {@code java} until it says it uses a start-up cache (it records one at first use). */
  static void awaitCache(Path launcher, Path java, BenchEnv env) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + 300_000_000_000L;
    String said = "";
    while (System.nanoTime() < deadline) {
      said = HostCommand.output(List.of("env", "POC_JAVA=" + java, launcher.toString(), "--version"));
      if (said.contains("start-up cache: AOT cache") || said.contains("start-up cache: CDS archive")) {
        env.log.println("CLI on " + java + ": " + said.lines().reduce((a, b) -> b).orElse(""));
        return;
      }
      Thread.sleep(2000);
    }
    throw new BenchmarkFailedException("the launcher did not record its start-up cache for " + java + " in 5 minutes: " + said);
  }
}
