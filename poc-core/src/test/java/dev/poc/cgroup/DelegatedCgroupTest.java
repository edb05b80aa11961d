package dev.poc.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which cgroup v2 subtree a rootless user may manage, on a fake hierarchy: the highest group above
 * the JVM's own that the user owns, or none.
 */
class DelegatedCgroupTest {
  private static final int UID = 1001;
  private static final String OWN = "0::/user.slice/user-1001.slice/user@1001.service/app.slice/poc.scope\n";

  /** The systemd shape: user@UID.service and what is below it are the user's; the slices above are root's. */
  private static Path hierarchy(Path mount, int owner) throws IOException {
    Path service = mount.resolve("user.slice/user-1001.slice/user@1001.service");
    Path scope = Files.createDirectories(service.resolve("app.slice/poc.scope"));
    for (Path dir = scope; !dir.equals(mount); dir = dir.getParent()) {
      for (String f : new String[] {"cgroup.procs", "cgroup.subtree_control"}) {
        Files.writeString(dir.resolve(f), "");
      }
      Files.writeString(dir.resolve("cgroup.controllers"), "cpu memory pids\n");
      if (dir.startsWith(service)) {
        Files.setAttribute(dir, "unix:uid", owner);
      }
    }
    return service;
  }

  @Test
  void theHighestGroupTheUserOwnsAboveItsOwnIsTheDelegatedRoot(@TempDir Path mount) throws IOException {
    Path service = hierarchy(mount, UID);
    Optional<Cgroups> found = DelegatedCgroup.find(UID, mount, OWN);
    assertThat(found).isPresent();
    assertThat(found.get().describe()).contains(service.toString()).contains("cpu, memory, pids");
    assertThat(found.get().dirs("c1")).containsExactly(service.resolve("poc/c1"));
  }

  @Test
  void noGroupOfTheUsersMeansNoDelegation(@TempDir Path mount) throws IOException {
    hierarchy(mount, 0); // root's all the way: no delegation
    assertThat(DelegatedCgroup.find(UID, mount, OWN)).isEmpty();
  }

  @Test
  void aProcessInTheRootGroupOrOnV1AloneHasNone(@TempDir Path mount) throws IOException {
    hierarchy(mount, UID);
    assertThat(DelegatedCgroup.find(UID, mount, "0::/\n")).isEmpty();
    assertThat(DelegatedCgroup.find(UID, mount, "4:memory:/user.slice\n")).isEmpty();
  }
}
