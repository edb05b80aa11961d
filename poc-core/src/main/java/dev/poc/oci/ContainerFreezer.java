package dev.poc.oci;

import dev.poc.InvalidSpecException;
import dev.poc.cgroup.CgroupMembership;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code pause} and {@code resume}: the container's group frozen and thawed. The unified group's
 * {@code cgroup.freeze} where the container has a group of its own there (cgroup v2, and the
 * hybrid layout's unified mount, which needs no controller for it), else a v1 {@code freezer}
 * group of its own. A group is the container's own when every process in it is in the
 * container's PID namespace: freezing a group it shares (the engine's, the host's) would freeze
 * them too, so that is refused.
 */
final class ContainerFreezer {
  private final String id;
  private final Path file;
  private final boolean unified;

  private ContainerFreezer(String id, Path file, boolean unified) {
    this.id = id;
    this.file = file;
    this.unified = unified;
  }

  /** The freezer of container {@code id}, whose init is {@code initPid}. */
  static ContainerFreezer of(String id, int initPid) throws IOException {
    Map<String, Path> dirs = CgroupMembership.dirs(initPid);
    Path v2 = dirs.get("");
    if (v2 != null && Files.exists(v2.resolve("cgroup.freeze")) && own(v2, initPid)) {
      return new ContainerFreezer(id, v2.resolve("cgroup.freeze"), true);
    }
    for (Map.Entry<String, Path> e : dirs.entrySet()) {
      if (java.util.List.of(e.getKey().split(",")).contains("freezer") && own(e.getValue(), initPid)) {
        return new ContainerFreezer(id, e.getValue().resolve("freezer.state"), false);
      }
    }
    throw new InvalidSpecException("container '" + id + "' has no freezer of its own (no cgroup v2 group with "
        + "cgroup.freeze, no v1 freezer group holding only its processes): pause needs one");
  }

  /** Whether the container of {@code initPid} is frozen (or freezing); false when that cannot be read. */
  static boolean frozen(int initPid) {
    try {
      Map<String, Path> dirs = CgroupMembership.dirs(initPid);
      Path v2 = dirs.get("");
      if (v2 != null && read(v2.resolve("cgroup.freeze")).equals("1")) {
        return true;
      }
      for (Map.Entry<String, Path> e : dirs.entrySet()) {
        if (java.util.List.of(e.getKey().split(",")).contains("freezer")) {
          String s = read(e.getValue().resolve("freezer.state"));
          return s.equals("FROZEN") || s.equals("FREEZING");
        }
      }
    } catch (IOException | RuntimeException e) {
      // the init is gone: not paused, stopped
    }
    return false;
  }

  /** Freezes the group and waits until every process in it is. */
  void freeze() throws IOException {
    Files.writeString(file, unified ? "1" : "FROZEN");
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!isFrozen()) {
      if (System.nanoTime() > deadline) {
        Files.writeString(file, unified ? "0" : "THAWED");
        throw new IOException("container '" + id + "' did not freeze within 10 s (" + file + "): resumed it again");
      }
      if (!unified) {
        Files.writeString(file, "FROZEN"); // v1: a task forked meanwhile makes another pass necessary
      }
      sleep();
    }
  }

  /** Thaws the group. */
  void thaw() throws IOException {
    Files.writeString(file, unified ? "0" : "THAWED");
  }

  private boolean isFrozen() throws IOException {
    if (!unified) {
      return read(file).equals("FROZEN");
    }
    for (String line : Files.readAllLines(file.resolveSibling("cgroup.events"))) {
      if (line.equals("frozen 1")) {
        return true;
      }
    }
    return false;
  }

  /** Thaws the container of {@code initPid} if it is frozen: a frozen process cannot die of SIGKILL. */
  static void thawIfFrozen(String id, int initPid) {
    if (!frozen(initPid)) {
      return;
    }
    try {
      of(id, initPid).thaw();
    } catch (IOException | RuntimeException e) {
      // the group is going with the container
    }
  }

  /** Whether every process in group {@code dir} shares the PID namespace of {@code initPid}. */
  private static boolean own(Path dir, int initPid) throws IOException {
    Path ns = Files.readSymbolicLink(Path.of("/proc", Integer.toString(initPid), "ns", "pid"));
    for (String p : Files.readAllLines(dir.resolve("cgroup.procs"))) {
      try {
        if (!p.isBlank() && !Files.readSymbolicLink(Path.of("/proc", p.trim(), "ns", "pid")).equals(ns)) {
          return false;
        }
      } catch (NoSuchFileException e) {
        // ended meanwhile
      }
    }
    return true;
  }

  private static String read(Path f) throws IOException {
    return Files.readString(f).trim();
  }

  private static void sleep() {
    try {
      Thread.sleep(2);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
