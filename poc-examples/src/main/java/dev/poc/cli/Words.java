package dev.poc.cli;

import dev.poc.ContainerSpec;
import dev.poc.InvalidSpecException;
import dev.poc.Network;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/** Parses the CLI's small words (modes, ports, volumes, users); a wrong one is a usage error naming the fix. */
final class Words {
  private Words() {}

  record Volume(Path source, String destination, boolean readOnly) {}

  static Network network(CommandLine cmd, String word) {
    try {
      return Network.fromCliName(word);
    } catch (InvalidSpecException e) {
      throw Errors.usage(cmd, e.getMessage() + " (e.g. poc run net-disabled test0 bash)");
    }
  }

  static void limits(CommandLine cmd, ContainerSpec.Builder b, String memory, Double cpus, String pids) {
    try {
      if (memory != null) {
        b.memory(memory);
      }
      if (cpus != null) {
        if (cpus <= 0) {
          throw new InvalidSpecException("--cpus " + cpus + " must be more than 0, e.g. --cpus 0.5");
        }
        b.cpus(cpus);
      }
      if ("unlimited".equals(pids)) {
        b.unlimitedPids();
      } else if (pids != null) {
        long max;
        try {
          max = Long.parseLong(pids);
        } catch (NumberFormatException e) {
          throw new InvalidSpecException("--pids " + pids + " is not a number of processes: write e.g. --pids 100, "
              + "or --pids unlimited");
        }
        if (max < 1) {
          throw new InvalidSpecException("--pids " + pids + " must be at least 1, e.g. --pids 100");
        }
        b.pids(max);
      }
    } catch (InvalidSpecException e) {
      throw Errors.usage(cmd, e.getMessage());
    }
  }

  /** HOST:CONTAINER or CONTAINER: {host, container}. */
  static int[] publish(CommandLine cmd, String word) {
    String[] parts = word.split(":");
    try {
      if (parts.length == 1) {
        return new int[] {0, port(parts[0])};
      }
      if (parts.length == 2) {
        return new int[] {parts[0].isEmpty() ? 0 : port(parts[0]), port(parts[1])};
      }
    } catch (NumberFormatException e) {
      // the message below says it
    }
    throw Errors.usage(cmd, "--publish '" + word + "' is not HOST:CONTAINER: write e.g. --publish 8080:80 (or 80 for any free host port)");
  }

  private static int port(String s) {
    int p = Integer.parseInt(s);
    if (p < 0 || p > 65535) {
      throw new NumberFormatException(s);
    }
    return p;
  }

  static Map<String, String> env(CommandLine cmd, List<String> words) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String w : words) {
      int eq = w.indexOf('=');
      if (eq <= 0) {
        throw Errors.usage(cmd, "--env '" + w + "' is not K=V: write e.g. --env GREETING=hello");
      }
      env.put(w.substring(0, eq), w.substring(eq + 1));
    }
    return env;
  }

  static Volume volume(CommandLine cmd, String word) {
    String[] parts = word.split(":");
    boolean ro = parts.length == 3 && parts[2].equals("ro");
    boolean rw = parts.length == 3 && parts[2].equals("rw");
    if ((parts.length != 2 && !ro && !rw) || parts[0].isEmpty() || !parts[1].startsWith("/")) {
      throw Errors.usage(cmd, "--volume '" + word
          + "' is not HOST:CONTAINER[:ro]: write e.g. --volume /srv/data:/data:ro (CONTAINER absolute)");
    }
    return new Volume(Path.of(parts[0]).toAbsolutePath(), parts[1], ro);
  }

  /** A byte count the way --memory takes it: 32M, 1G, 1536K; binary units, whole numbers. */
  static String size(long bytes) {
    String[] units = {"", "K", "M", "G", "T"};
    int u = 0;
    while (u < units.length - 1 && bytes % 1024 == 0 && bytes >= 1024) {
      bytes /= 1024;
      u++;
    }
    return bytes + units[u];
  }

  /** A byte count for people: 12.3M, 512K, 2.0G (binary units). */
  static String humanSize(long bytes) {
    String[] units = {"B", "K", "M", "G", "T"};
    double v = bytes;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0 ? bytes + "B" : String.format(java.util.Locale.ROOT, "%.1f%s", v, units[u]);
  }

  /** UID or UID:GID (numbers: the rootfs may have no passwd file). */
  static int[] user(CommandLine cmd, String word) {
    String[] parts = word.split(":");
    try {
      int uid = Integer.parseInt(parts[0]);
      int gid = parts.length == 2 ? Integer.parseInt(parts[1]) : uid;
      if (parts.length <= 2 && uid >= 0 && gid >= 0) {
        return new int[] {uid, gid};
      }
    } catch (NumberFormatException e) {
      // the message below says it
    }
    throw Errors.usage(cmd, "--user '" + word + "' is not UID[:GID]: write numbers, e.g. --user 1000:1000");
  }
}
