package dev.poc.cgroup;

import dev.poc.InvalidSpecException;

/**
 * Where one container's group goes: {@code parent/leaf} below the root of every hierarchy, and what
 * it sets beyond the spec's {@link dev.poc.Resources}. poc's own containers go to {@code poc/NAME}
 * ({@link #standard}); poc-oci puts a container where its {@code linux.cgroupsPath} says.
 *
 * @param parent the parent group, relative to each hierarchy's root ("" for the root itself)
 * @param leaf the container's own group, one path element
 * @param tuning the settings beyond {@link dev.poc.Resources}
 */
public record CgroupPlacement(String parent, String leaf, GroupTuning tuning) {

  public CgroupPlacement {
    if (leaf.isEmpty() || leaf.contains("/") || leaf.equals(".") || leaf.equals("..")) {
      throw new InvalidSpecException("cgroup '" + leaf + "' is not one path element");
    }
    if (parent.startsWith("/") || parent.endsWith("/") || ("/" + parent + "/").contains("/../")
        || ("/" + parent + "/").contains("/./") || parent.contains("//")) {
      throw new InvalidSpecException("cgroup parent '" + parent + "' is not a normalized relative path");
    }
  }

  /** poc's own place for container {@code name}: {@code poc/NAME}, nothing beyond its Resources. */
  public static CgroupPlacement standard(String name) {
    return new CgroupPlacement(Cgroups.PARENT, name, GroupTuning.NONE);
  }

  /** Whether this is {@code poc/LEAF}, the place poc's prune and reclaim look by default. */
  public boolean isStandard() {
    return parent.equals(Cgroups.PARENT);
  }

  /** The group's path below each hierarchy's root, {@code parent/leaf}. */
  public String path() {
    return parent.isEmpty() ? leaf : parent + "/" + leaf;
  }

  /** The same place with other settings. */
  public CgroupPlacement withTuning(GroupTuning t) {
    return new CgroupPlacement(parent, leaf, t);
  }
}
