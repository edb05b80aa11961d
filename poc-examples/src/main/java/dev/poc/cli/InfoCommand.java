package dev.poc.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.poc.Check;
import dev.poc.ContainerRuntime;
import dev.poc.RuntimeInfo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code info}: what this host offers poc, as {@code docker info}; every "no" with its reason and fix. */
@Command(name = "info", sortOptions = false,
    description = {"Shows what poc finds on this host and which of its strategies work here.",
        "The kernel, cgroup layout, state root and free space, and which host facilities and which rootfs,",
        "network and cgroup strategies work here; each 'no' says why and what to do. Creates nothing."},
    footer = {"", "Example:", "  sudo ./poc info", "  sudo ./poc info --format json | jq '.problems'"})
final class InfoCommand implements Callable<Integer> {
  enum Format { TEXT, JSON }

  @ParentCommand
  private Poc poc;

  @Option(names = "--format", paramLabel = "FORMAT", description = "text (default) or json, for scripts.")
  private Format format = Format.TEXT;

  @Override
  public Integer call() throws Exception {
    RuntimeInfo info = ContainerRuntime.info(poc.stateRoot(), NetworkEnv.settings(System.getenv()));
    if (format == Format.JSON) {
      System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json(info)));
    } else {
      System.out.print(text(info));
    }
    return 0;
  }

  static String text(RuntimeInfo info) {
    StringBuilder b = new StringBuilder();
    b.append(String.format("Kernel:      %s (%s)%n", info.kernel(), info.architecture()));
    b.append(String.format("Cgroups:     %s%n", info.cgroupMode().name().toLowerCase()));
    b.append(String.format("State root:  %s (%s free)%n", info.stateRoot(), Words.humanSize(info.stateRootFreeBytes())));
    section(b, "Host", info.host());
    section(b, "Cgroups", info.cgroups());
    section(b, "Root filesystems", info.rootfs());
    section(b, "Networks", info.networks());
    int problems = info.problems().size();
    b.append(String.format("%n%s%n", problems == 0 ? "Everything poc uses works here."
        : problems + (problems == 1 ? " thing" : " things") + " cannot run here: see the 'no' lines and their fixes."));
    return b.toString();
  }

  private static void section(StringBuilder b, String title, List<Check> checks) {
    b.append(String.format("%n%s:%n", title));
    for (Check c : checks) {
      b.append(String.format("  %-4s %-40s %s%n", c.ok() ? "yes" : "no", c.name(), c.detail()));
      c.fix().ifPresent(f -> b.append(String.format("  %-4s %-40s fix: %s%n", "", "", f)));
    }
  }

  /** Plain maps and lists, so the JSON's keys are the API's names. */
  static Map<String, Object> json(RuntimeInfo info) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kernel", info.kernel());
    m.put("architecture", info.architecture());
    m.put("cgroupMode", info.cgroupMode().name().toLowerCase());
    m.put("stateRoot", info.stateRoot().toString());
    m.put("stateRootFreeBytes", info.stateRootFreeBytes());
    m.put("host", checks(info.host()));
    m.put("cgroups", checks(info.cgroups()));
    m.put("rootfs", checks(info.rootfs()));
    m.put("networks", checks(info.networks()));
    m.put("problems", checks(info.problems()));
    return m;
  }

  private static List<Map<String, Object>> checks(List<Check> checks) {
    return checks.stream().map(c -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", c.name());
      m.put("ok", c.ok());
      m.put("detail", c.detail());
      m.put("fix", c.fix().orElse(null));
      return m;
    }).toList();
  }
}
