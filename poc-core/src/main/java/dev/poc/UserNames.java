package dev.poc;

import dev.poc.host.RootFiles;
import dev.poc.storage.DirectoryRootfs;
import dev.poc.storage.HostRootfs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A user named as the image names it ({@code "nobody"}, {@code "www-data"}) turned into the uid
 * and gid of its {@code /etc/passwd}, read in the rootfs (resolved inside it) before the start.
 */
final class UserNames {
  private UserNames() {}

  /** {uid, gid} of {@code user} ("name", "uid" or "uid:gid") in {@code rootfs}. */
  static int[] resolve(String user, Rootfs rootfs) {
    String[] parts = user.split(":", 2);
    if (parts[0].matches("\\d+")) {
      int uid = Integer.parseInt(parts[0]);
      int gid = parts.length > 1 && parts[1].matches("\\d+") ? Integer.parseInt(parts[1]) : uid;
      return new int[] {uid, gid};
    }
    String passwd;
    if (rootfs.strategy() instanceof HostRootfs) {
      passwd = "root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n";
    } else if (rootfs.strategy() instanceof DirectoryRootfs dir) {
      try (RootFiles root = RootFiles.of(dir.path(), "rootfs " + dir.path())) {
        passwd = root.read("/etc/passwd", 1 << 20).map(b -> new String(b, StandardCharsets.UTF_8)).orElse("");
      } catch (IOException e) {
        throw new InvalidSpecException("user '" + user + "': reading /etc/passwd of rootfs " + dir.path() + " failed: "
            + e.getMessage());
      }
    } else {
      throw new InvalidSpecException("user '" + user + "' can only be named by uid:gid on " + rootfs
          + " (user names are looked up in a host or directory root only, not yet on a disk)");
    }
    Optional<int[]> found = passwd.lines().map(l -> l.split(":")).filter(f -> f.length >= 4 && f[0].equals(parts[0]))
        .map(f -> new int[] {Integer.parseInt(f[2]), Integer.parseInt(f[3])}).findFirst();
    return found.orElseThrow(() -> new InvalidSpecException("user '" + parts[0] + "' is not in /etc/passwd of the rootfs ("
        + rootfs + "): add it to the image, or give its uid:gid"));
  }
}
