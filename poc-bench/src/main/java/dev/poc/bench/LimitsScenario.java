package dev.poc.bench;

import dev.poc.Network;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Scenario 2: scenario 1 with a 64M memory limit (cgroups on) and with BRIDGE networking up
 * before the command runs. runc and crun get the same limit; they have no bridge of their own
 * (that is a CNI plugin's job), so the bridge rows are poc's, beside poc without one.
 */
final class LimitsScenario implements Scenario {
  static final String POC_PLAIN = "poc, no limit, no network";
  static final String POC_MEM = "poc, memory 64M";
  static final String RUNC_MEM = "runc run, memory 64M";
  static final String CRUN_MEM = "crun run, memory 64M";
  static final String POC_BRIDGE = "poc, BRIDGE";
  static final String POC_BOTH = "poc, memory 64M + BRIDGE";
  static final String POC_BRIDGE_RUNNING = "poc, BRIDGE: start() until the command runs";

  @Override
  public int number() {
    return 2;
  }

  @Override
  public Section run(BenchEnv env, Harness harness) throws Exception {
    Section section = new Section("2. With a memory limit (cgroups) and with BRIDGE networking");
    Optional<String> noMemory = Features.memoryLimitMissing(env);
    Optional<String> noBridge = Features.bridgeMissing(env);
    List<Variant> variants = new ArrayList<>();
    variants.add(new Variant(POC_PLAIN, env.pocTrials.startToExit(b -> b)));
    if (noMemory.isEmpty()) {
      variants.add(new Variant(POC_MEM, env.pocTrials.startToExit(b -> b.memory("64M"))));
      if (env.hasOciRuntimes()) {
        Path bundle = env.bundle("true-64m", List.of("/bin/true"), OptionalLong.of(Features.LIMIT));
        variants.add(new Variant(RUNC_MEM, env.oci(env.runc, bundle)));
        variants.add(new Variant(CRUN_MEM, env.oci(env.crun, bundle)));
        if (!env.crun.wrapper().isEmpty()) {
          variants.add(new Variant(StartToExitScenario.CRUN_WRAPPER, env.crunWrapperAlone()));
        }
      }
    } else {
      section.note("memory rows not measured: " + noMemory.get() + ".");
    }
    if (noBridge.isEmpty()) {
      variants.add(new Variant(POC_BRIDGE, env.pocTrials.startToExit(b -> b.network(Network.BRIDGE))));
      variants.add(new Variant(POC_BRIDGE_RUNNING, env.pocTrials.startToRunning(b -> b.network(Network.BRIDGE))));
      if (noMemory.isEmpty()) {
        variants.add(new Variant(POC_BOTH, env.pocTrials.startToExit(b -> b.memory("64M").network(Network.BRIDGE))));
      }
    } else {
      section.note("BRIDGE rows not measured: " + noBridge.get() + ".");
    }
    variants.add(new Variant(StartToExitScenario.FLOOR, env.floor()));
    Map<String, long[]> samples = harness.run(variants);

    section.paragraph("Start-to-exit of /bin/true as in scenario 1, except the row that stops the clock when `start()` returns "
        + "(the command has been exec'd, with its address, routes and cgroup in place). Interleaved, "
        + harness.iterations() + " runs each after warm-up, each after " + harness.pauseMillis() + " ms of quiet.");
    section.table(TimingTable.of(samples, new TimingTable.Baseline("poc plain", POC_PLAIN),
        new TimingTable.Baseline("floor", StartToExitScenario.FLOOR)));
    if (samples.containsKey(POC_BRIDGE)) {
      // the veth is deleted and the address freed after waitFor() returns (VethReaper): no row waits for it
      section.target(Target.atMost("poc BRIDGE median ÷ poc without network median, start-to-exit",
          TimingTable.median(samples, POC_BRIDGE) / TimingTable.median(samples, POC_PLAIN), 1.3, ""));
    }
    if (samples.containsKey(POC_BRIDGE_RUNNING)) {
      section.target(Target.atMost("poc BRIDGE, median until the command runs",
          TimingTable.median(samples, POC_BRIDGE_RUNNING) / 1e6, 10, "ms"));
    }
    if (samples.containsKey(POC_MEM) && samples.containsKey(CRUN_MEM)) {
      double wrapper = samples.containsKey(StartToExitScenario.CRUN_WRAPPER)
          ? TimingTable.median(samples, StartToExitScenario.CRUN_WRAPPER) : 0;
      double poc = TimingTable.median(samples, POC_MEM);
      section.note("with the limit, poc's median is " + Format.ratio(poc, TimingTable.median(samples, CRUN_MEM) - wrapper)
          + " crun's (net of its wrapper) and " + Format.ratio(poc, TimingTable.median(samples, RUNC_MEM)) + " runc's.");
    }
    return section;
  }
}
