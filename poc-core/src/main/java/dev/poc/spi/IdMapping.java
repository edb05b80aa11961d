package dev.poc.spi;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The id maps of a container's user namespace, as {@code /proc/PID/uid_map} takes them: lines of
 * "INSIDE OUTSIDE COUNT". Written by the helper right after the clone, before the init does
 * anything: directly, or through {@code newuidmap}/{@code newgidmap} when {@link #tools()} names
 * them (an ordinary user may map subordinate ids only through those setuid tools).
 */
public final class IdMapping {
  private final String uidMap;
  private final String gidMap;
  private final Path newuidmap;
  private final Path newgidmap;
  private final String description;

  private IdMapping(String uidMap, String gidMap, Path newuidmap, Path newgidmap, String description) {
    this.uidMap = requireLines(uidMap, "uid map");
    this.gidMap = requireLines(gidMap, "gid map");
    this.newuidmap = newuidmap;
    this.newgidmap = newgidmap;
    this.description = description;
  }

  /**
   * Only {@code uid}/{@code gid} outside, as 0 inside: what an ordinary user may write without
   * help. The namespace then refuses setgroups, and every other id is unmapped (shows as nobody).
   */
  public static IdMapping single(int uid, int gid) {
    return new IdMapping("0 " + uid + " 1", "0 " + gid + " 1", null, null,
        "single id: 0 inside is uid " + uid + " outside, no other id is mapped");
  }

  /**
   * 0 inside to {@code uid} (and {@code gid}) outside, 1..count to the subordinate ranges, written
   * by {@code newuidmap} and {@code newgidmap}.
   */
  public static IdMapping full(int uid, int gid, long subUidStart, long subUidCount, long subGidStart,
      long subGidCount, Path newuidmap, Path newgidmap) {
    return new IdMapping("0 " + uid + " 1\n1 " + subUidStart + " " + subUidCount,
        "0 " + gid + " 1\n1 " + subGidStart + " " + subGidCount,
        Objects.requireNonNull(newuidmap, "newuidmap"), Objects.requireNonNull(newgidmap, "newgidmap"),
        "full: 0 inside is uid " + uid + ", 1-" + subUidCount + " are subordinate uids " + subUidStart + "-"
            + (subUidStart + subUidCount - 1) + " (" + newuidmap + ")");
  }

  /** Maps written as given, directly (root may write any map). */
  public static IdMapping of(String uidMap, String gidMap) {
    return new IdMapping(uidMap, gidMap, null, null, "uid map " + uidMap.replace('\n', ',') + ", gid map "
        + gidMap.replace('\n', ','));
  }

  public String uidMap() {
    return uidMap;
  }

  public String gidMap() {
    return gidMap;
  }

  /** {@code newuidmap} and {@code newgidmap}, when they write the maps. */
  public Optional<Path[]> tools() {
    return newuidmap == null ? Optional.empty() : Optional.of(new Path[] {newuidmap, newgidmap});
  }

  /** Whether {@code uid} inside the namespace is mapped. */
  public boolean mapsUid(long uid) {
    return inMap(uidMap, uid);
  }

  /** Whether {@code gid} inside the namespace is mapped. */
  public boolean mapsGid(long gid) {
    return inMap(gidMap, gid);
  }

  private static boolean inMap(String map, long id) {
    for (String line : map.split("\n")) {
      String[] f = line.trim().split("\\s+");
      long in = Long.parseLong(f[0]);
      if (id >= in && id < in + Long.parseLong(f[2])) {
        return true;
      }
    }
    return false;
  }

  private static String requireLines(String map, String what) {
    for (String line : map.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length != 3 || !f[0].matches("\\d+") || !f[1].matches("\\d+") || !f[2].matches("[1-9]\\d*")) {
        throw new IllegalArgumentException(what + " line '" + line + "' is not 'INSIDE OUTSIDE COUNT'");
      }
    }
    return map;
  }

  @Override
  public String toString() {
    return description;
  }
}
