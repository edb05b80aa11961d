package dev.poc.bench;

import dev.poc.Container;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Scenario 4: 50 containers started at the same instant from one JVM. First each runtime runs 50
 * /bin/true start-to-exit in a burst; then poc holds 50 running at once (sleep) and stops them.
 * Counts failures, and afterwards looks for anything left on the host.
 */
final class ConcurrencyScenario implements Scenario {
  static final int CONTAINERS = 50;

  @Override
  public int number() {
    return 4;
  }

  @Override
  public Section run(BenchEnv env, Harness harness) throws Exception {
    Section section = new Section("4. " + CONTAINERS + " containers started concurrently from one JVM");
    int rounds = Math.max(1, Math.min(5, harness.iterations() / 20));
    List<Variant> variants = new ArrayList<>();
    variants.add(new Variant(StartToExitScenario.POC, env.pocTrials.startToExit(b -> b)));
    if (env.hasOciRuntimes()) {
      Path bundle = env.bundle("true", List.of("/bin/true"), OptionalLong.empty());
      variants.add(new Variant(StartToExitScenario.RUNC, env.oci(env.runc, bundle)));
      variants.add(new Variant(StartToExitScenario.CRUN + " (through its wrapper)", env.oci(env.crun, bundle)));
    }
    variants.add(new Variant(StartToExitScenario.FLOOR, env.floor()));

    Map<String, List<Burst>> bursts = new LinkedHashMap<>();
    variants.forEach(v -> bursts.put(v.name(), new ArrayList<>()));
    for (int round = 0; round < rounds; round++) {
      for (int i = 0; i < variants.size(); i++) {
        Variant v = variants.get((round + i) % variants.size());
        bursts.get(v.name()).add(Burst.of(CONTAINERS, v.trial()));
      }
      env.log.printf("  burst round %d/%d%n", round + 1, rounds);
    }
    List<Burst> running = new ArrayList<>();
    List<Burst> stopping = new ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      Queue<Container> started = new ConcurrentLinkedQueue<>();
      running.add(Burst.of(CONTAINERS, () -> {
        long t0 = System.nanoTime();
        Container c = env.pocTrials.spec("sleep", "600").start();
        long t = System.nanoTime() - t0;
        started.add(c);
        return t;
      }));
      long alive = started.stream().filter(Container::isRunning).count();
      if (alive != started.size()) {
        section.note("round " + (round + 1) + ": only " + alive + " of " + started.size() + " started containers were running together");
      }
      stopping.add(Burst.of(started.size(), () -> {
        Container c = started.remove();
        long t0 = System.nanoTime();
        c.stop(java.time.Duration.ofSeconds(5));
        return System.nanoTime() - t0;
      }));
    }
    String runningRow = "poc: " + CONTAINERS + " × start() of sleep, until all are running";
    String stoppingRow = "poc: stop() of those " + CONTAINERS + ", until all are released";
    bursts.put(runningRow, running);
    bursts.put(stoppingRow, stopping);

    List<String> leftovers = Leftovers.find(env.names.prefix(), env.workDir, env.stateRoot);
    int failures = bursts.values().stream().flatMap(List::stream).mapToInt(b -> b.failures().size()).sum();
    section.paragraph("Each burst releases " + CONTAINERS + " threads at once, each starting one container; wall time is from "
        + "the release to the last one done. " + rounds + " bursts per row, interleaved; per-container latency is each run's "
        + "own start-to-exit (or start-to-running / stop) time inside the burst.");
    section.table(table(bursts));
    section.target(Target.equalTo("failed starts or stops", failures, 0, ""));
    section.target(Target.equalTo("leftovers afterwards (cgroups, run dirs, processes, mounts, loop devices, interfaces)", leftovers.size(), 0, ""));
    bursts.forEach((name, list) -> list.stream().flatMap(b -> b.failures().stream()).distinct().limit(3)
        .forEach(f -> section.note("failure in '" + name + "': " + f)));
    leftovers.stream().limit(10).forEach(l -> section.note("leftover: " + l));
    return section;
  }

  private static MarkdownTable table(Map<String, List<Burst>> bursts) {
    MarkdownTable t = new MarkdownTable("variant", ">bursts", ">failures", ">wall median", ">wall p90", ">wall ÷ poc",
        ">per-container median", ">per-container p90");
    double pocWall = wallSummary(bursts.get(StartToExitScenario.POC)).median();
    bursts.forEach((name, list) -> {
      Summary wall = wallSummary(list);
      long[] each = list.stream().flatMapToLong(b -> java.util.Arrays.stream(b.latencies())).toArray();
      int failures = list.stream().mapToInt(b -> b.failures().size()).sum();
      Summary lat = each.length == 0 ? null : Summary.of(each);
      t.row(name, Integer.toString(list.size()), Integer.toString(failures), Format.millis(wall.median()),
          Format.millis(wall.p90()), Format.ratio(wall.median(), pocWall),
          lat == null ? "n/a" : Format.millis(lat.median()), lat == null ? "n/a" : Format.millis(lat.p90()));
    });
    return t;
  }

  private static Summary wallSummary(List<Burst> list) {
    return Summary.of(list.stream().mapToLong(Burst::wallNanos).toArray());
  }
}
