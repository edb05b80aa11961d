package dev.poc.storage;

import dev.poc.Check;
import dev.poc.host.HostChecks;
import dev.poc.host.Tool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Which root filesystems and which ways to make an image work on this host. */
public final class StorageChecks {
  private StorageChecks() {}

  /** Whether {@code Images.debootstrap} can run: debootstrap in PATH (the mirror is not tried). */
  public static Check imageDebootstrap() {
    return Tool.locate("debootstrap")
        .map(p -> Check.yes("image debootstrap", "Debian " + Debootstrap.hostSuite() + " (" + p + ")"))
        .orElse(Check.no("image debootstrap", "needs debootstrap, which is not installed (not in PATH)",
            "apt-get install debootstrap"));
  }

  /**
   * Whether disks ({@code build NAME disk-size SIZE}, {@code Rootfs.disk}) work here: loop
   * devices, mkfs.ext4 and overlayfs. {@code loop} is {@link HostChecks#loopDevices}'s answer.
   */
  public static Check disk(Check loop) {
    Optional<Path> mkfs = Tool.locate("mkfs.ext4");
    if (!loop.ok()) {
      return Check.no("rootfs disk", "needs loop devices: " + loop.detail(), loop.fix().orElse(null));
    }
    if (mkfs.isEmpty()) {
      return Check.no("rootfs disk", "needs mkfs.ext4, which is not installed (not in PATH)", "apt-get install e2fsprogs");
    }
    if (!HostChecks.overlayAvailable()) {
      return Check.no("rootfs disk", "this kernel has no overlay filesystem", "modprobe overlay, or a kernel with CONFIG_OVERLAY_FS");
    }
    return Check.yes("rootfs disk", "ext4 on a loop device under an overlay (" + mkfs.get() + ")");
  }

  /** Each way to a root filesystem; the disk needs loop devices and mkfs.ext4. */
  public static List<Check> rootfs(Check loop) {
    List<Check> checks = new ArrayList<>();
    checks.add(Files.isDirectory(Path.of("/usr"))
        ? Check.yes("rootfs host", "the host's /usr, read-only")
        : Check.no("rootfs host", "this host has no /usr", "use Rootfs.directory(...) or a disk"));
    checks.add(Check.yes("rootfs directory", "any unpacked tree"));
    checks.add(disk(loop));
    DockerEngine docker = new DockerEngine(DockerEngine.DEFAULT_SOCKET);
    checks.add(docker.unavailable()
        .map(why -> Check.no("image docker", why, Tool.locate("dockerd").isPresent()
            ? "start the Docker daemon (systemctl start docker)" : "apt-get install docker.io"))
        .orElse(Check.yes("image docker", "a Docker daemon answers on " + docker.socket())));
    checks.add(imageDebootstrap());
    checks.add(Tool.locate("tar")
        .map(p -> Check.yes("image tarball", "plain, gz or xz (" + p + ")"))
        .orElse(Check.no("image tarball", "tar is not installed (not in PATH)", "apt-get install tar")));
    checks.add(Check.yes("image host", "the host's programs, read-only"));
    return checks;
  }
}
