package dev.poc.bench;

import dev.poc.Container;
import dev.poc.Rootfs;
import dev.poc.Stdio;
import dev.poc.seccomp.Seccomp;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Scenario 6: what the seccomp filter costs a system call. A static program makes a million
 * getpid calls inside the container and prints the mean time per call: poc under Docker's default
 * profile (its default), poc with no filter, and runc with the same profile rendered to
 * config.json. Rounds interleave the variants; the table has each one's median.
 */
final class SeccompScenario implements Scenario {
  static final String POC_DEFAULT = "poc, Docker's default profile";
  static final String POC_NONE = "poc, no filter (Seccomp.unconfined())";
  static final String RUNC_DEFAULT = "runc, Docker's default profile";
  static final String START_DEFAULT = "poc start-to-exit, Docker's default profile";
  static final String START_NONE = "poc start-to-exit, no filter";
  static final String START_BEFORE = "poc start-to-exit, the deny-list filter of before issue 18";
  /** poc-init's own filter before the allow-list (22 calls denied), rebuilt as a profile: "today's" of issue 18. */
  private static final String DENY_LIST = "seccomp-deny-list-before-18.json";
  private static final String CALLS = "1000000";

  @Override
  public int number() {
    return 6;
  }

  @Override
  public Section run(BenchEnv env, Harness harness) throws Exception {
    Section section = new Section("6. The seccomp filter's cost: getpid in a loop inside the container");
    Path program = compile(env);
    Map<String, List<Double>> ns = new LinkedHashMap<>();
    ns.put(POC_DEFAULT, new ArrayList<>());
    ns.put(POC_NONE, new ArrayList<>());
    boolean runc = env.runc.available();
    Path bundle = runc ? env.bundle("getpid", List.of(program.toString(), CALLS), OptionalLong.empty()) : null;
    if (runc) {
      ns.put(RUNC_DEFAULT, new ArrayList<>());
    } else {
      section.note("runc is not installed: its row is missing.");
    }
    int rounds = Math.max(15, harness.iterations() / 3); // a ratio near 1.0 needs more than a handful
    for (int i = 0; i < rounds; i++) {
      ns.get(POC_DEFAULT).add(inPoc(env, Seccomp.dockerDefault(), program));
      ns.get(POC_NONE).add(inPoc(env, Seccomp.unconfined(), program));
      if (runc) {
        ns.get(RUNC_DEFAULT).add(parse(HostCommand.output(env.runc.run(bundle, env.names.next()))));
      }
    }
    section.paragraph("Each row is the median over " + rounds + " interleaved rounds of the mean time of one getpid "
        + "system call, measured inside the container over " + CALLS + " calls (one static program, the same "
        + "busybox root). Under Docker's profile getpid takes the filter's arch check and its binary search. "
        + "The second table: start-to-exit of /bin/true with Docker's profile, with the deny-list poc-init had before "
        + "the allow-list (issue 18's \"today\", rebuilt as a profile and installed the same way) and without a filter, "
        + "interleaved, "
        + harness.iterations() + " times each.");
    double none = median(ns.get(POC_NONE));
    MarkdownTable table = new MarkdownTable("variant", "ns per getpid (median)", "÷ poc without a filter");
    for (Map.Entry<String, List<Double>> e : ns.entrySet()) {
      double m = median(e.getValue());
      table.row(e.getKey(), String.format("%.1f", m), String.format("%.2f", m / none));
    }
    section.table(table);
    section.note("Since Linux 5.11 the kernel caches, per syscall number, filters that allow a call whatever its "
        + "arguments, so getpid skips the BPF program on both runtimes: what remains is the cost of taking the "
        + "seccomp path at all. The tree's depth shows on calls with argument rules and on older kernels.");
    if (runc) {
      section.target(Target.atMost("poc (default profile) ÷ runc (Docker's profile)",
          median(ns.get(POC_DEFAULT)) / median(ns.get(RUNC_DEFAULT)), 1.0, ""));
    }
    // What the profile adds to a start: compiling it (once per capability set), sending it in the
    // plan, installing it in the command and in the init.
    Seccomp before = denyListBefore18();
    Map<String, long[]> starts = harness.run(List.of(
        new Variant(START_DEFAULT, env.pocTrials.startToExit(b -> b)),
        new Variant(START_BEFORE, env.pocTrials.startToExit(b -> b.seccomp(before))),
        new Variant(START_NONE, env.pocTrials.startToExit(b -> b.seccomp(Seccomp.unconfined())))));
    section.table(TimingTable.of(starts, new TimingTable.Baseline("no filter", START_NONE),
        new TimingTable.Baseline("the deny-list", START_BEFORE)));
    if (starts.containsKey(START_DEFAULT) && starts.containsKey(START_BEFORE)) {
      // the "no worse than today's": today's was this deny-list, installed the same way
      section.target(Target.atMost("start-to-exit with the default profile ÷ with the deny-list of before",
          TimingTable.median(starts, START_DEFAULT) / TimingTable.median(starts, START_BEFORE), 1.05, ""));
    }
    if (starts.containsKey(START_DEFAULT) && starts.containsKey(START_NONE)) {
      section.note(String.format("start-to-exit with the default profile ÷ without a filter: %.2f",
          TimingTable.median(starts, START_DEFAULT) / TimingTable.median(starts, START_NONE)));
    }
    return section;
  }

  private static Seccomp denyListBefore18() throws IOException {
    try (InputStream in = SeccompScenario.class.getResourceAsStream(DENY_LIST)) {
      return Seccomp.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8), DENY_LIST);
    }
  }

  /** The loop program, compiled static into the shared busybox root; its path inside. */
  private static Path compile(BenchEnv env) throws IOException, InterruptedException {
    Path src = env.workDir.resolve("getpid-loop.c");
    try (InputStream in = SeccompScenario.class.getResourceAsStream("getpid-loop.c")) {
      Files.copy(in, src);
    }
    String cc = HostCommand.exists("musl-gcc") ? "musl-gcc" : "gcc";
    HostCommand.output(List.of(cc, "-static", "-O2", "-o", env.rootfs.resolve("bin/getpid-loop").toString(),
        src.toString()));
    return Path.of("/bin/getpid-loop");
  }

  private static double inPoc(BenchEnv env, Seccomp seccomp, Path program) throws Exception {
    try (Container c = env.poc.container().name(env.names.next()).rootfs(Rootfs.directory(env.rootfs))
        .command(program.toString(), CALLS).stdin(Stdio.DISCARD).stderr(Stdio.DISCARD).seccomp(seccomp).start()) {
      String out = new String(c.stdout().readAllBytes(), StandardCharsets.UTF_8);
      c.waitFor();
      return parse(out);
    }
  }

  private static double parse(String out) {
    return Double.parseDouble(out.trim().lines().reduce((a, b) -> b).orElseThrow());
  }

  private static double median(List<Double> values) {
    double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }
}
