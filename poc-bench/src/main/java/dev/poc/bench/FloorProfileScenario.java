package dev.poc.bench;

import dev.poc.Container;
import dev.poc.launch.StartProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Scenario 12: net-disabled start-to-exit beside the floor ({@code unshare -pfmiun --mount-proc
 * true}, spawned from this JVM), and where poc's milliseconds go. A profiled variant records each
 * start's steps through poc-core's StartProfile (the JVM's instants, and the init's, which
 * poc-init reports on the same monotonic clock); the same start unprofiled runs beside it, so the
 * profile's own cost shows. The breakdown is the median of each step-to-step interval.
 */
final class FloorProfileScenario implements Scenario {
  static final String FLOOR = "floor: unshare -pfmiun --mount-proc true";
  static final String POC = "poc (Java API), no network";
  static final String POC_PROFILED = "poc (Java API), no network, profiled";
  static final String RETURNED = "waitFor() returned";

  /** The breakdown's intervals: what the time between two steps is spent on. */
  record Interval(String what, String from, String to) {}

  static final List<Interval> INTERVALS = List.of(
      new Interval("JVM: the rootfs completed, the name locked", "start() called", "name locked"),
      new Interval("JVM: a dead run of the name reclaimed, the run dir made", "name locked", "run dir made"),
      new Interval("JVM: host setups prepared (the v2 group the init is born in)", "run dir made", "host setups prepared"),
      new Interval("JVM: rootfs prepared, mounts and process planned", "host setups prepared", "planned"),
      new Interval("JVM: all of the planning above", "start() called", "planned"),
      new Interval("JVM: take a spare helper (spawned and connected ahead)", "planned", "helper taken"),
      new Interval("plan over the socket, outer's clone, init running", "helper taken", "init entered"),
      new Interval("the init's PID back to the JVM", "init entered", "PID read"),
      new Interval("init: mounts, pivot_root (root built)", "init entered", "init root built"),
      new Interval("init: joins its cgroups (once they are made)", "init root built", "init cgroups joined"),
      new Interval("JVM: v1 groups and all limits made, JOIN sent", "PID read", "host groups made"),
      new Interval("JVM: host side attached (cgroups; network when any)", "PID read", "host side attached"),
      new Interval("GO to the init (waits for its root when that is later)", "host side attached", "init GO read"),
      new Interval("init: fork, the command's set-up and exec", "init GO read", "init exec seen"),
      new Interval("EXEC back to the JVM", "init exec seen", "EXEC read"),
      new Interval("JVM: run state written, Container made", "EXEC read", "start() returns"),
      new Interval("the command runs (/bin/true) and is reaped", "init exec seen", "init command reaped"),
      new Interval("exit notification: EXIT line to the JVM", "init command reaped", "EXIT read"),
      new Interval("the helper reaps the init, says DIED", "EXIT read", "helper done"),
      new Interval("JVM: final figures read (cgroup stats, OOM count)", "helper done", "final figures read"),
      new Interval("JVM: host side released (but what is queued)", "final figures read", "host side released"),
      new Interval("JVM: run dir set aside; cgroup rmdirs, netns name queued", "host side released", "run dir removed"),
      new Interval("JVM: the rest let go", "run dir removed", "released"),
      new Interval("JVM: all of the release above", "helper done", "released"),
      new Interval("waitFor() wakes up", "released", RETURNED),
      new Interval("in all: start-to-exit", "start() called", RETURNED));

  @Override
  public int number() {
    return 12;
  }

  @Override
  public Section run(BenchEnv env, Harness harness) throws Exception {
    Section section = new Section("12. Net-disabled start-to-exit beside the floor, and where poc's milliseconds go");
    Map<String, Map<String, Long>> marks = new ConcurrentHashMap<>();
    List<Map<String, Long>> profiles = new ArrayList<>();
    Trial plain = env.pocTrials.startToExit(b -> b);
    Trial profiled = () -> {
      StartProfile.listen(m -> marks.computeIfAbsent(m.container(), k -> new ConcurrentHashMap<>()).put(m.step(), m.nanos()));
      try {
        long t0 = System.nanoTime();
        Container c = env.pocTrials.spec("/bin/true").start();
        int code = c.waitFor();
        long t = System.nanoTime() - t0;
        Map<String, Long> mine = marks.remove(c.name());
        if (mine != null) {
          mine.put(RETURNED, t0 + t);
          profiles.add(mine);
        }
        PocTrials.checkExit(c, code);
        return t;
      } finally {
        StartProfile.listen(null);
      }
    };
    List<Variant> variants = List.of(new Variant(POC, plain), new Variant(POC_PROFILED, profiled),
        new Variant(FLOOR, () -> HostCommand.timeToExit(List.of("unshare", "-pfmiun", "--mount-proc", "true"))),
        new Variant(StartToExitScenario.FLOOR, env.floor()));
    Map<String, long[]> samples = harness.run(variants);
    // the warm-up's profiles are in the list too: keep the measured runs' only
    List<Map<String, Long>> measured = profiles.subList(Math.max(0, profiles.size() - harness.iterations()), profiles.size());

    section.paragraph("Start-to-exit of /bin/true in the busybox root without a network, beside the floor the issue names "
        + "(`unshare -pfmiun --mount-proc true`) and scenario 1's floor, all spawned or started from this JVM, interleaved, "
        + harness.iterations() + " runs each after warm-up, each after " + harness.pauseMillis() + " ms of quiet. "
        + "The second table is where a profiled start's time goes: the median over the " + measured.size() + " measured "
        + "profiled runs of each interval between two steps (the JVM's instants from System.nanoTime, the init's from "
        + "CLOCK_MONOTONIC, the same clock). The init builds its root while the JVM attaches the host side, so rows "
        + "overlap: a start waits on plan → helper → clone → the later of root and (PID back + v1 groups made) → the init "
        + "joins its groups → GO (after the rest of the attach) → "
        + "exec → the command → the exit's way back → release. The cgroup's rmdirs, the netns name's removal, the name "
        + "lock's release and the run dir's deletion follow after waitFor() returns, on a background thread (a new start "
        + "of the name, stop(), close() and the runtime's close wait for them), so no row holds them.");
    section.table(TimingTable.of(samples, new TimingTable.Baseline("floor", FLOOR), new TimingTable.Baseline("poc", POC)));
    double poc = TimingTable.median(samples, POC);
    double floor = TimingTable.median(samples, FLOOR);
    section.target(Target.atMost("poc median ÷ floor (unshare -pfmiun --mount-proc true) median", poc / floor, 1.5, ""));
    section.table(breakdown(measured));
    return section;
  }

  static MarkdownTable breakdown(List<Map<String, Long>> profiles) {
    MarkdownTable t = new MarkdownTable("interval", "from → to", ">runs", ">median", ">p90");
    for (Interval i : INTERVALS) {
      long[] d = profiles.stream().filter(p -> p.containsKey(i.from()) && p.containsKey(i.to()))
          .mapToLong(p -> p.get(i.to()) - p.get(i.from())).toArray();
      if (d.length == 0) {
        t.row(i.what(), i.from() + " → " + i.to(), "0", "n/a", "n/a");
        continue;
      }
      Summary s = Summary.of(d);
      t.row(i.what(), i.from() + " → " + i.to(), Integer.toString(d.length), micros(s.median()), micros(s.p90()));
    }
    return t;
  }

  private static String micros(double nanos) {
    return String.format(java.util.Locale.ROOT, "%.3f ms", nanos / 1e6);
  }
}
