package dev.poc.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** The facts a reader needs to compare a table with their own: machine, kernel, versions, date, load. */
final class MachineInfo {
  private MachineInfo() {}

  static String describe(BenchEnv env) {
    StringBuilder sb = new StringBuilder();
    sb.append("- date: ").append(ZonedDateTime.now(java.time.ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"))).append('\n');
    sb.append("- machine: ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs (nproc), ")
        .append(cpuModel()).append(", ").append(memTotal()).append('\n');
    sb.append("- kernel: ").append(read("/proc/sys/kernel/osrelease")).append('\n');
    sb.append("- java: ").append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.runtime.version")).append('\n');
    sb.append("- runc: ").append(env.runc.version()).append('\n');
    sb.append("- crun: ").append(env.crun.version()).append('\n');
    sb.append("- cgroups: ").append(hybrid() ? "hybrid (v1 controllers, cgroup2 at /sys/fs/cgroup/unified)" : "not hybrid").append('\n');
    sb.append("- load average at start: ").append(loadAverage()).append('\n');
    return sb.toString();
  }

  static String loadAverage() {
    String[] f = read("/proc/loadavg").split(" ");
    return f.length >= 3 ? f[0] + " " + f[1] + " " + f[2] : "?";
  }

  private static boolean hybrid() {
    try {
      return CgroupLayout.isHybrid();
    } catch (IOException e) {
      return false;
    }
  }

  private static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      // not Linux on x86: leave it out
    }
    return "unknown CPU";
  }

  private static String memTotal() {
    for (String line : List.of(read("/proc/meminfo").split("\n"))) {
      if (line.startsWith("MemTotal:")) {
        long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
        return (kb / 1024 / 1024) + " GiB RAM";
      }
    }
    return "? RAM";
  }

  private static String read(String file) {
    try {
      return Files.readString(Path.of(file)).trim();
    } catch (IOException e) {
      return "?";
    }
  }
}
