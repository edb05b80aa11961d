package dev.poc.host;

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

  public static void check(Path procSelfStatus, Path procSelfNs, int euid) {
    if (euid != 0) {
      throw new MissingPrivilegeException(
          "poc needs root to create namespaces, cgroups and mounts (euid is " + euid + "): run as root or with sudo");
    }
    BigInteger caps = capEff(procSelfStatus);
    List<String> missing = new ArrayList<>();
    for (Map.Entry<Integer, String> e : NEEDED.entrySet()) {
      if (!caps.testBit(e.getKey())) {
        missing.add(e.getValue());
      }
    }
    if (!missing.isEmpty()) {
      throw new MissingPrivilegeException(
          "this process lacks " + String.join(", ", missing)
              + ": run poc as full root (not under a reduced capability bounding set)");
    }
    for (Namespace ns : Namespace.values()) {
      if (!Files.exists(procSelfNs.resolve(ns.procName()))) {
        throw new MissingPrivilegeException(
            "this kernel has no " + ns + " namespace (" + procSelfNs.resolve(ns.procName())
                + " is missing): poc needs a kernel built with CONFIG_" + ns.procName().toUpperCase() + "_NS");
      }
    }
  }

  public static void check() {
    check(Path.of("/proc/self/status"), Path.of("/proc/self/ns"), Posix.geteuid());
  }

  private static BigInteger capEff(Path status) {
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith("CapEff:")) {
          return new BigInteger(line.substring(7).trim(), 16);
        }
      }
    } catch (IOException e) {
      throw new MissingPrivilegeException("cannot read " + status + " to check capabilities: " + e.getMessage());
    }
    return BigInteger.ZERO;
  }
}
