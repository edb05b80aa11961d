package dev.poc.bench;

import dev.poc.Network;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Scenario 9: bursts. 200 starts of /bin/true released at the same instant from one JVM (poc's
 * API, net-disabled, the busybox root), beside runc and crun doing the same from 200 threads; then
 * 50 starts from 10 CLI processes at once (each of 10 threads runs {@code ./poc run} five times in
 * a row; ./poc as it runs by default: its native front sends each run to the warm CLI server, started
 * before the clock runs) beside crun run the same way. Starts per second are the successful starts over the wall
 * time from the release to the last exit. Any failure is counted and its message shown; anything
 * left on the host afterwards is listed.
 */
final class BurstScenario implements Scenario {
  static final int API_BURST = 200;
  static final int CLI_THREADS = 10;
  static final int CLI_RUNS_PER_THREAD = 5;
  static final String POC = "poc (Java API), " + API_BURST + " threads";
  static final String POC_BRIDGE = "poc (Java API), BRIDGE, " + API_BURST + " threads";
  static final String RUNC = "runc run, " + API_BURST + " threads";
  static final String CRUN = "crun run (through its wrapper), " + API_BURST + " threads";
  static final String POC_CLI = "./poc run --host-rootfs -T net-disabled N true (native front + warm server), " + CLI_THREADS
      + " at once × " + CLI_RUNS_PER_THREAD;
  static final String CRUN_CLI = "crun run, " + CLI_THREADS + " at once × " + CLI_RUNS_PER_THREAD;

  @Override
  public int number() {
    return 9;
  }

  @Override
  public Section run(BenchEnv env, Harness harness) throws Exception {
    Section section = new Section("9. Bursts: " + API_BURST + " concurrent starts from one JVM, "
        + CLI_THREADS * CLI_RUNS_PER_THREAD + " from " + CLI_THREADS + " CLI processes at once");
    int rounds = Math.max(1, Math.min(3, harness.iterations() / 20));
    // a CLI burst takes about a second: more of them, for a median that one noisy burst cannot move
    int cliRounds = Math.max(rounds, Math.min(5, harness.iterations() / 10));
    Path bundle = env.hasOciRuntimes() ? env.bundle("true", List.of("/bin/true"), OptionalLong.empty()) : null;

    List<Variant> api = new ArrayList<>();
    api.add(new Variant(POC, env.pocTrials.startToExit(b -> b)));
    if (Features.bridgeMissing(env).isEmpty()) {
      // the same burst through the bridge: 200 veths, addresses and namespaces made and released at once
      api.add(new Variant(POC_BRIDGE, env.pocTrials.startToExit(b -> b.network(Network.BRIDGE))));
    }
    if (bundle != null) {
      api.add(new Variant(RUNC, env.oci(env.runc, bundle)));
      api.add(new Variant(CRUN, env.oci(env.crun, bundle)));
    } else {
      section.note("runc or crun is not installed (apt-get install -y runc crun): their rows are missing.");
    }
    Map<String, List<Burst>> bursts = new LinkedHashMap<>();
    runInterleaved(env, select(api, harness), API_BURST, 1, rounds, bursts, "API burst");

    List<Variant> cli = new ArrayList<>();
    Path launcher = Path.of("poc").toAbsolutePath();
    if (!harness.selects(POC_CLI)) {
      // --variants left the CLI row out: no need to record the launcher's cache for it
    } else if (Files.isExecutable(launcher)) {
      Path java = Files.isExecutable(CliScenario.JAVA_25) ? CliScenario.JAVA_25 : CliScenario.JAVA_17;
      CliScenario.awaitCache(launcher, java, env);
      Path stateRoot = Files.createDirectories(env.workDir.resolve("cli-burst-state"));
      cli.add(new Variant(POC_CLI, CliScenario.cliRun(launcher, java, true, true, stateRoot, env)));
    } else {
      section.note("CLI rows not measured: no launcher at " + launcher + " (run poc-bench/run from the repository root).");
    }
    if (bundle != null) {
      cli.add(new Variant(CRUN_CLI, env.oci(env.crun, bundle)));
    }
    if (!cli.isEmpty() && cli.get(0).name().equals(POC_CLI)) {
      // after the API bursts, which may outlast an idle server: the CLI rows time warm runs only
      Path java = Files.isExecutable(CliScenario.JAVA_25) ? CliScenario.JAVA_25 : CliScenario.JAVA_17;
      CliScenario.awaitServer(launcher, java, env.workDir.resolve("cli-burst-state"), env);
    }
    try {
      runInterleaved(env, select(cli, harness), CLI_THREADS, CLI_RUNS_PER_THREAD, cliRounds, bursts, "CLI burst");
    } finally {
      CliScenario.stopServers(env);
    }

    List<String> leftovers = Leftovers.settled(env.names.prefix(), env.workDir, env.stateRoot);
    int failures = bursts.values().stream().flatMap(List::stream).mapToInt(b -> b.failures().size()).sum();
    section.paragraph("Each burst releases its threads at the same instant; the API rows' threads start one container each "
        + "(start-to-exit of /bin/true in the busybox root, no network), the CLI rows' threads spawn the command "
        + CLI_RUNS_PER_THREAD + " times one after the other. Starts per second: successful starts ÷ wall time from the "
        + "release to the last exit. " + rounds + " burst(s) per API row and " + cliRounds + " per CLI row, the rows interleaved; the per-start columns are each "
        + "run's own start-to-exit inside its burst. The BRIDGE row (no runtime to compare with) starts the same burst through "
        + "poc's bridge: 200 veths, addresses and namespaces at once. Leftovers are looked for once the runtime's asynchronous "
        + "veth release has caught up (at most 5 s).");
    section.table(table(bursts));
    double pocRate = rate(bursts.get(POC));
    double crunRate = rate(bursts.get(CRUN));
    if (!Double.isNaN(crunRate) && !Double.isNaN(pocRate)) {
      section.target(Target.atLeast("poc starts/s ÷ crun starts/s, " + API_BURST + " at once from one JVM", pocRate / crunRate, 1, ""));
    }
    String pocCli = bursts.keySet().stream().filter(k -> k.startsWith(POC_CLI)).findFirst().orElse(null);
    double crunCliRate = rate(bursts.get(CRUN_CLI));
    if (pocCli != null && !Double.isNaN(crunCliRate)) {
      section.target(Target.atLeast("./poc run starts/s ÷ crun run starts/s, " + CLI_THREADS + " processes at once",
          rate(bursts.get(pocCli)) / crunCliRate, 1, ""));
    }
    section.target(Target.equalTo("failed starts", failures, 0, ""));
    section.target(Target.equalTo("leftovers afterwards (cgroups, run dirs, processes, mounts, loop devices, interfaces)",
        leftovers.size(), 0, ""));
    bursts.forEach((name, list) -> list.stream().flatMap(b -> b.failures().stream()).distinct().limit(3)
        .forEach(f -> section.note("failure in '" + name + "': " + f)));
    leftovers.stream().limit(10).forEach(l -> section.note("leftover: " + l));
    return section;
  }

  private static List<Variant> select(List<Variant> variants, Harness harness) {
    return variants.stream().filter(v -> harness.selects(v.name())).toList();
  }

  private static void runInterleaved(BenchEnv env, List<Variant> variants, int threads, int runsPerThread, int rounds,
      Map<String, List<Burst>> into, String what) throws InterruptedException {
    variants.forEach(v -> into.put(v.name(), new ArrayList<>()));
    for (int round = 0; round < rounds; round++) {
      for (int i = 0; i < variants.size(); i++) {
        Variant v = variants.get((round + i) % variants.size());
        Burst b = Burst.of(threads, runsPerThread, v.trial());
        into.get(v.name()).add(b);
        env.log.printf("  %s '%s': %d ok, %d failed in %s%n", what, v.name(), b.latencies().length, b.failures().size(),
            Format.millis(b.wallNanos()));
      }
    }
  }

  /** The median over the bursts of starts per second; NaN for a row that did not run. */
  static double rate(List<Burst> list) {
    if (list == null || list.isEmpty()) {
      return Double.NaN;
    }
    return Summary.of(list.stream().mapToLong(b -> Math.round(b.startsPerSecond() * 1000)).toArray()).median() / 1000;
  }

  private static MarkdownTable table(Map<String, List<Burst>> bursts) {
    MarkdownTable t = new MarkdownTable("variant", ">bursts", ">starts", ">failures", ">wall median", ">starts/s",
        ">starts/s ÷ crun", ">per-start median", ">per-start p90");
    bursts.forEach((name, list) -> {
      String crunRow = name.startsWith(POC_CLI) || name.equals(CRUN_CLI) ? CRUN_CLI : CRUN;
      double crunRate = rate(bursts.get(crunRow));
      Summary wall = Summary.of(list.stream().mapToLong(Burst::wallNanos).toArray());
      long[] each = list.stream().flatMapToLong(b -> java.util.Arrays.stream(b.latencies())).toArray();
      Summary lat = each.length == 0 ? null : Summary.of(each);
      t.row(name, Integer.toString(list.size()), Integer.toString(list.stream().mapToInt(Burst::runs).sum()),
          Integer.toString(list.stream().mapToInt(b -> b.failures().size()).sum()), Format.millis(wall.median()),
          String.format(java.util.Locale.ROOT, "%.1f", rate(list)), Format.ratio(rate(list), crunRate),
          lat == null ? "n/a" : Format.millis(lat.median()), lat == null ? "n/a" : Format.millis(lat.p90()));
    });
    return t;
  }
}
