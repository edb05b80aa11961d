package dev.poc.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a CLI test made on the host, and only that: interfaces, netns names, iptables rules,
 * cgroups, mounts and loop devices that carry one of the test's container names, its bridge, its
 * chain prefix, its subnets or its state root. Other tests run on this kernel at the same time,
 * so nothing else is looked at.
 */
final class HostObjects {
  private HostObjects() {}

  static List<String> of(Cli cli, String... names) throws IOException, InterruptedException {
    List<String> marks = new ArrayList<>(List.of(names));
    var net = cli.network();
    marks.add(net.bridgeName());
    marks.add(net.chainPrefix() + "-");
    marks.add(net.defaultSubnet().replace(".0.0/16", "."));
    marks.add(net.bridgeSubnet().replace(".0.0/16", "."));
    marks.add(cli.stateRoot().toString());
    List<String> found = new ArrayList<>();
    for (String[] cmd : List.of(new String[] {"ip", "-o", "link"}, new String[] {"ip", "-o", "-4", "addr"},
        new String[] {"ip", "netns"}, new String[] {"iptables-save"}, new String[] {"cat", "/proc/self/mountinfo"})) {
      for (String line : run(cmd).split("\n")) {
        if (marks.stream().anyMatch(line::contains)) {
          found.add(cmd[0] + " " + cmd[cmd.length - 1] + ": " + line.replaceAll("^\\d+: ", ""));
        }
      }
    }
    for (Path hierarchy : cgroupMounts()) {
      for (String name : names) {
        Path group = hierarchy.resolve("poc").resolve(name);
        if (Files.isDirectory(group)) {
          found.add("cgroup " + group);
        }
      }
    }
    try (DirectoryStream<Path> loops = Files.newDirectoryStream(Path.of("/sys/block"), "loop*")) {
      for (Path loop : loops) {
        Path backing = loop.resolve("loop/backing_file");
        if (Files.exists(backing)) {
          String file = Files.readString(backing).trim();
          if (file.startsWith(cli.stateRoot().toString())) {
            found.add("loop " + loop.getFileName() + " " + file);
          }
        }
      }
    }
    return found;
  }

  /** Where each cgroup hierarchy (v1 controller or the unified one) is mounted. */
  private static List<Path> cgroupMounts() throws IOException {
    List<Path> mounts = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] after = line.substring(line.indexOf(" - ") + 3).split(" ");
      if (after[0].toLowerCase(Locale.ROOT).startsWith("cgroup")) {
        mounts.add(Path.of(line.split(" ")[4]));
      }
    }
    return mounts;
  }

  /** The host path of a cgroup file of process {@code pid}: {@code v1File} under its v1 controller, else {@code v2File}. */
  static Path cgroupFile(int pid, String controller, String v1File, String v2File) throws IOException {
    List<String> mountinfo = Files.readAllLines(Path.of("/proc/self/mountinfo"));
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
      String[] f = line.split(":", 3);
      boolean v1 = List.of(f[1].split(",")).contains(controller);
      if (v1 || (f[1].isEmpty() && f[0].equals("0"))) {
        for (String m : mountinfo) {
          String[] after = m.substring(m.indexOf(" - ") + 3).split(" ");
          boolean match = v1 ? after[0].equals("cgroup") && List.of(after[2].split(",")).contains(controller)
              : after[0].equals("cgroup2");
          Path file = Path.of(m.split(" ")[4] + f[2], v1 ? v1File : v2File);
          if (match && Files.exists(file)) {
            return file;
          }
        }
      }
    }
    throw new AssertionError("no " + controller + " cgroup file of process " + pid);
  }

  static String run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return s;
  }
}
