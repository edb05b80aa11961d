package dev.poc.cgroup;

import dev.poc.Check;
import dev.poc.RuntimeInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The cgroup layout's kind, its driver, and one check per controller poc limits with. */
public final class CgroupChecks {
  /** The controllers poc limits with, and the option that needs each. */
  private static final Map<String, String> LIMITS = Map.of("cpu", "--cpus", "memory", "--memory", "pids", "--pids");

  private CgroupChecks() {}

  public static RuntimeInfo.CgroupMode mode(CgroupLayout layout) {
    if (layout.unified().isPresent()) {
      return layout.v1().isEmpty() ? RuntimeInfo.CgroupMode.V2 : RuntimeInfo.CgroupMode.HYBRID;
    }
    return layout.v1().isEmpty() ? RuntimeInfo.CgroupMode.NONE : RuntimeInfo.CgroupMode.V1;
  }

  /** The driver, then one check per controller poc limits with, and the device allow-list. */
  public static List<Check> cgroups(CgroupLayout layout) {
    RuntimeInfo.CgroupMode mode = mode(layout);
    List<Check> checks = new ArrayList<>();
    if (mode == RuntimeInfo.CgroupMode.NONE) {
      String fix = "mount one: mount -t cgroup2 none /sys/fs/cgroup";
      checks.add(Check.no("cgroup driver", "no cgroup hierarchy is mounted", fix));
      for (String controller : List.of("cpu", "memory", "pids", "devices")) {
        checks.add(Check.no("cgroup " + controller, "no cgroup hierarchy is mounted", fix));
      }
      return checks;
    }
    Cgroups drivers = layout.drivers();
    checks.add(Check.yes("cgroup driver", mode.name().toLowerCase() + ": " + drivers.describe()));
    for (String controller : List.of("cpu", "memory", "pids")) {
      String name = "cgroup " + controller;
      String where = layout.v1().containsKey(controller) ? "v1 at " + layout.v1().get(controller) : "cgroup2";
      checks.add(drivers.controllers().contains(controller)
          ? Check.yes(name, where + " (" + LIMITS.get(controller) + ")")
          : Check.no(name, "the " + controller + " controller is not available (" + drivers.describe() + ")",
              "enable it in the kernel (no cgroup_disable=" + controller + "), or run without " + LIMITS.get(controller)));
    }
    checks.add(layout.v1().containsKey("devices")
        ? Check.yes("cgroup devices", "v1 devices controller at " + layout.v1().get("devices"))
        : Check.yes("cgroup devices", "a BPF device program on the container's cgroup2 group"));
    return checks;
  }
}
