package dev.poc.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The cgroup v2 subtree an ordinary user may manage: the highest group above this process's own
 * that the user owns (systemd's {@code user@UID.service} with {@code Delegate=yes}, or one an
 * administrator chowned). Its processes, this JVM among them, may move within it, so a container's
 * init can be born in a group below it. v1 hierarchies are not delegated here: their devices
 * controller stays root's.
 */
public final class DelegatedCgroup {
  private DelegatedCgroup() {}

  /** The delegated subtree as a driver, or empty with none (then rootless runs without cgroups). */
  public static Optional<Cgroups> find(int uid) {
    Optional<Path> unified = CgroupLayout.detect().unified();
    if (unified.isEmpty()) {
      return Optional.empty();
    }
    try {
      return find(uid, unified.get(), Files.readString(Path.of("/proc/self/cgroup")));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** As {@link #find(int)}, for the cgroup2 mount {@code mount} and a /proc/self/cgroup text. */
  static Optional<Cgroups> find(int uid, Path mount, String procSelfCgroup) throws IOException {
    String own = null;
    for (String line : procSelfCgroup.split("\n")) {
      if (line.startsWith("0::")) {
        own = line.substring(3).trim();
      }
    }
    if (own == null || own.equals("/")) {
      return Optional.empty();
    }
    Path top = null;
    for (Path dir = mount.resolve(own.substring(1)); dir.startsWith(mount) && !dir.equals(mount); dir = dir.getParent()) {
      if (!ownedBy(dir, uid) || !Files.isWritable(dir.resolve("cgroup.procs"))) {
        break;
      }
      top = dir;
    }
    if (top == null || !Files.isWritable(top.resolve("cgroup.subtree_control"))) {
      return Optional.empty();
    }
    Set<String> controllers = new TreeSet<>(Arrays.asList(Files.readString(top.resolve("cgroup.controllers")).trim().split("\\s+")));
    controllers.remove("");
    return Optional.of(new CgroupV2(top, controllers, false));
  }

  private static boolean ownedBy(Path dir, int uid) throws IOException {
    return Files.isDirectory(dir) && ((Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS)) == uid;
  }
}
