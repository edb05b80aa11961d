package dev.poc.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Scenario 1: start-to-exit of /bin/true in the busybox root with PID, IPC, MNT, UTS and NET
 * namespaces: poc's API, runc run, crun run and the bare floor, interleaved in one JVM.
 */
final class StartToExitScenario implements Scenario {
  static final String POC = "poc (Java API)";
  static final String RUNC = "runc run";
  static final String CRUN = "crun run";
  static final String CRUN_WRAPPER = "crun's wrapper alone (unshare -m, umount unified)";
  static final String FLOOR = "bare floor: unshare -p -f -m -i -u -n true";
  static final String CGROUP_FLOOR = "cgroups alone: mkdir in every hierarchy, move a process in and out, rmdir";

  @Override
  public int number() {
    return 1;
  }

  @Override
  public Section run(BenchEnv env, Harness harness) throws Exception {
    Section section = new Section("1. Start-to-exit of /bin/true (busybox root, PID+IPC+MNT+UTS+NET namespaces)");
    List<Variant> variants = new ArrayList<>();
    variants.add(new Variant(POC, env.pocTrials.startToExit(b -> b)));
    boolean oci = env.hasOciRuntimes();
    if (oci) {
      Path bundle = env.bundle("true", List.of("/bin/true"), OptionalLong.empty());
      variants.add(new Variant(RUNC, env.oci(env.runc, bundle)));
      variants.add(new Variant(CRUN, env.oci(env.crun, bundle)));
      if (!env.crun.wrapper().isEmpty()) {
        variants.add(new Variant(CRUN_WRAPPER, env.crunWrapperAlone()));
      }
    } else {
      section.note("runc or crun is not installed (apt-get install -y runc crun): their rows are missing.");
    }
    variants.add(new Variant(FLOOR, env.floor()));
    Map<String, long[]> samples;
    try (CgroupFloor cgroups = CgroupFloor.open(env.names)) {
      variants.add(new Variant(CGROUP_FLOOR, cgroups.trial()));
      samples = harness.run(variants);
    }

    section.paragraph("Each row is the time from the first call (Java API, or spawning the program from the same JVM) "
        + "until the command has exited and the runtime has cleaned up (poc: `waitFor()` returned, "
        + "the removal of its cgroup, veth and run dir then done in the background; runc/crun: `run` exited). "
        + "Variants ran interleaved, " + harness.iterations() + " times each after warm-up, each run after "
        + harness.pauseMillis() + " ms of quiet.");
    section.table(TimingTable.of(samples, new TimingTable.Baseline("poc", POC), new TimingTable.Baseline("floor", FLOOR)));
    double poc = TimingTable.median(samples, POC);
    double floor = TimingTable.median(samples, FLOOR);
    if (oci) {
      double crun = TimingTable.median(samples, CRUN);
      double wrapper = samples.containsKey(CRUN_WRAPPER) ? TimingTable.median(samples, CRUN_WRAPPER) : 0;
      double crunNet = crun - wrapper;
      double runc = TimingTable.median(samples, RUNC);
      section.target(Target.atMost("poc median ÷ crun median (crun as it runs here, through its wrapper)", poc / crun, 0.5, ""));
      if (wrapper > 0) {
        section.target(Target.atMost("poc median ÷ (crun median − wrapper median), the stricter reading", poc / crunNet, 0.5, ""));
      }
      section.target(Target.atMost("poc median ÷ runc median", poc / runc, 1.0 / 3, ""));
    }
    section.target(Target.atMost("poc median ÷ bare floor median", poc / floor, 3, ""));
    section.note("runc and crun put every container in a cgroup of its own in each hierarchy, whatever its limits; "
        + (Features.cgroupPerContainer(env) ? "so does poc in this build." : "poc in this build does not (no cgroups layer), "
            + "so its row lacks that cost; the cgroups-alone row shows what it is on this host."));
    return section;
  }
}
