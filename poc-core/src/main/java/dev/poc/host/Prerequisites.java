package dev.poc.host;

import dev.poc.Check;
import dev.poc.MissingPrivilegeException;
import dev.poc.Namespace;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Checks, before anything is touched, that this process and kernel can run containers. */
public final class Prerequisites {
  /** Capabilities poc itself uses, by number, with their names for the message. */
  static final Map<Integer, String> NEEDED = new TreeMap<>(Map.of(
      0, "CAP_CHOWN", 1, "CAP_DAC_OVERRIDE", 6, "CAP_SETGID", 7, "CAP_SETUID", 8, "CAP_SETPCAP",
      12, "CAP_NET_ADMIN", 21, "CAP_SYS_ADMIN", 27, "CAP_MKNOD"));

  private Prerequisites() {}

  /** Throws, naming what is missing and what to do, unless every {@link #checks} says yes. */
  public static void check(Path procSelfStatus, Path procSelfNs, int euid) {
    for (Check c : checks(procSelfStatus, procSelfNs, euid)) {
      if (!c.ok()) {
        throw new MissingPrivilegeException(c.problem());
      }
    }
  }

  /**
   * For an ordinary user (rootless): the kernel lets it make user namespaces, and has the others
   * poc makes. Throws, naming what is missing and what to do.
   */
  public static void checkRootless() {
    for (Check c : rootlessChecks()) {
      if (!c.ok()) {
        throw new MissingPrivilegeException(c.problem());
      }
    }
  }

  /** {@code unprivileged user namespaces} and {@code namespaces}: what a rootless start needs. */
  public static List<Check> rootlessChecks() {
    return List.of(HostChecks.unprivilegedUserNamespaces(), namespaces(Path.of("/proc/self/ns")));
  }

  public static void check() {
    check(Path.of("/proc/self/status"), Path.of("/proc/self/ns"), Posix.geteuid());
  }

  /** {@code privileges} (root with the capabilities poc uses) and {@code namespaces} (those poc makes). */
  public static List<Check> checks(Path procSelfStatus, Path procSelfNs, int euid) {
    return List.of(privileges(procSelfStatus, euid), namespaces(procSelfNs));
  }

  public static List<Check> checks() {
    return checks(Path.of("/proc/self/status"), Path.of("/proc/self/ns"), Posix.geteuid());
  }

  private static Check privileges(Path procSelfStatus, int euid) {
    if (euid != 0) {
      return Check.no("privileges", "poc needs root to create namespaces, cgroups and mounts (euid is " + euid + ")",
          "run as root or with sudo");
    }
    BigInteger caps;
    try {
      caps = capEff(procSelfStatus);
    } catch (IOException e) {
      return Check.no("privileges", "cannot read " + procSelfStatus + " to check capabilities: " + e.getMessage(),
          "run poc where /proc is mounted");
    }
    List<String> missing = new ArrayList<>();
    for (Map.Entry<Integer, String> e : NEEDED.entrySet()) {
      if (!caps.testBit(e.getKey())) {
        missing.add(e.getValue());
      }
    }
    if (!missing.isEmpty()) {
      return Check.no("privileges", "this process lacks " + String.join(", ", missing),
          "run poc as full root (not under a reduced capability bounding set)");
    }
    return Check.yes("privileges", "root, with every capability poc uses");
  }

  private static Check namespaces(Path procSelfNs) {
    List<String> present = new ArrayList<>();
    for (Namespace ns : Namespace.values()) {
      if (!Files.exists(procSelfNs.resolve(ns.procName()))) {
        return Check.no("namespaces", "this kernel has no " + ns + " namespace (" + procSelfNs.resolve(ns.procName())
            + " is missing)", "use a kernel built with CONFIG_" + ns.procName().toUpperCase() + "_NS");
      }
      present.add(ns.procName());
    }
    for (String other : List.of("user", "cgroup", "time")) { // not made by poc today; shown for what is possible
      if (Files.exists(procSelfNs.resolve(other))) {
        present.add(other);
      }
    }
    return Check.yes("namespaces", String.join(" ", present));
  }

  private static BigInteger capEff(Path status) throws IOException {
    for (String line : Files.readAllLines(status)) {
      if (line.startsWith("CapEff:")) {
        return new BigInteger(line.substring(7).trim(), 16);
      }
    }
    return BigInteger.ZERO;
  }
}
