package dev.poc.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Scenario 13: rootless start-to-exit. poc as root (this JVM) beside poc as an ordinary user and
 * rootless podman (crun) as the same user on a copy of the same busybox root, interleaved. The
 * user's side is {@link RootlessProbe}, a JVM started as that user in a private mount namespace
 * without the hybrid layout's cgroup2 mount (crun refuses it; poc rootless uses no cgroup here
 * either way), asked for one trial at a time. The user is {@code poc-rootless}, which
 * {@code ./run-tests} creates with its subordinate ranges ({@code POC_BENCH_ROOTLESS_USER} names
 * another).
 */
final class RootlessScenario implements Scenario {
  static final String ROOTFUL = "poc, root";
  static final String ROOTLESS = "poc, rootless";
  static final String PODMAN = "podman run --rm, rootless (crun)";

  @Override
  public int number() {
    return 13;
  }

  @Override
  public Section run(BenchEnv env, Harness harness) throws Exception {
    Section section = new Section("13. Rootless: start-to-exit of /bin/true as an ordinary user");
    String user = System.getenv().getOrDefault("POC_BENCH_ROOTLESS_USER", "poc-rootless");
    String home = home(user);
    if (home == null) {
      section.note("user " + user + " does not exist: ./run-tests creates it (or set POC_BENCH_ROOTLESS_USER): no rows.");
      return section;
    }
    boolean podman = HostCommand.exists("podman") && HostCommand.exists("crun");
    Instant began = Instant.now();
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "pbr"); // podman wants a runroot under 50 characters
    try {
      Path rootfs = dir.resolve("busybox");
      HostCommand.output(List.of("cp", "-a", env.rootfs.toString(), rootfs.toString()));
      Path jar = Files.copy(Path.of(RootlessProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI()),
          dir.resolve("poc-bench.jar"), StandardCopyOption.REPLACE_EXISTING);
      Path stateRoot = Files.createDirectories(dir.resolve("poc-state"));
      HostCommand.output(List.of("chown", "-R", user + ":", dir.toString()));
      HostCommand.output(List.of("chmod", "755", dir.toString()));
      List<String> cmd = new ArrayList<>(OciRuntime.hybridWrapperIfNeeded());
      cmd.addAll(RootlessProbe.command(user, home, jar, stateRoot, rootfs, dir.resolve("pd"), dir.resolve("pr")));
      Process probe = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      try (Probe p = new Probe(probe)) {
        List<Variant> variants = new ArrayList<>(List.of(
            new Variant(ROOTFUL, env.pocTrials.startToExit(b -> b)),
            new Variant(ROOTLESS, () -> p.trial("poc"))));
        if (podman) {
          variants.add(new Variant(PODMAN, () -> p.trial("podman")));
        } else {
          section.note("podman or crun is not installed: the podman row is missing.");
        }
        int iterations = Math.min(harness.iterations(), 50); // podman takes ~0.2 s a run
        Map<String, long[]> samples = harness.withCounts(5, iterations).run(variants);
        section.paragraph("As user " + user + " (id map: full, through newuidmap/newgidmap, when the user has "
            + "subordinate ranges). Root's poc runs in this JVM with its defaults (a cgroup with the default pids "
            + "limit); rootless poc has no delegated cgroup on this host, so it makes none; podman runs with "
            + "--cgroups disabled, --network none and its own --root/--runroot, on the same busybox root. "
            + iterations + " interleaved rounds after 5 warm-up rounds.");
        section.table(TimingTable.of(samples, new TimingTable.Baseline("poc root", ROOTFUL),
            new TimingTable.Baseline("poc rootless", ROOTLESS)));
        if (samples.containsKey(PODMAN)) {
          section.target(Target.atMost("poc rootless ÷ podman rootless", TimingTable.median(samples, ROOTLESS)
              / TimingTable.median(samples, PODMAN), 1.0, ""));
        }
      }
    } finally {
      endPodmanPause(user, began);
      HostCommand.output(List.of("rm", "-rf", dir.toString()));
    }
    return section;
  }

  private static String home(String user) throws IOException, InterruptedException {
    try {
      String line = HostCommand.output(List.of("getent", "passwd", user)).trim();
      String[] f = line.split(":");
      return f.length > 5 ? f[5] : null;
    } catch (BenchmarkFailedException e) {
      return null;
    }
  }

  /** podman leaves a pause process per user (its namespaces' holder): the one this run started goes. */
  private static void endPodmanPause(String user, Instant began) {
    ProcessHandle.allProcesses()
        .filter(p -> p.info().user().map(user::equals).orElse(false))
        .filter(p -> p.info().command().map(c -> c.endsWith("/podman")).orElse(false))
        .filter(p -> p.info().startInstant().map(s -> !s.isBefore(began)).orElse(false))
        .forEach(ProcessHandle::destroy);
  }

  /** The user's JVM, one trial per line. */
  private static final class Probe implements AutoCloseable {
    private final Process process;
    private final PrintStream to;
    private final BufferedReader from;

    Probe(Process process) throws IOException {
      this.process = process;
      this.to = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
      this.from = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      String ready = from.readLine();
      if (!"READY true".equals(ready)) {
        process.destroyForcibly();
        throw new BenchmarkFailedException("the rootless probe did not start rootless: " + ready);
      }
    }

    long trial(String what) throws IOException {
      to.println(what);
      String answer = from.readLine();
      if (answer == null || answer.startsWith("ERR")) {
        throw new BenchmarkFailedException("rootless " + what + ": " + (answer == null ? "the probe died" : answer));
      }
      return Long.parseLong(answer.trim());
    }

    @Override
    public void close() throws InterruptedException {
      to.println("quit");
      if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
