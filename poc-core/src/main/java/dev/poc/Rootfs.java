package dev.poc;

import dev.poc.internal.ContainerNames;
import dev.poc.spi.Attachment;
import dev.poc.spi.StartContext;
import dev.poc.storage.DirectoryRootfs;
import dev.poc.storage.DiskRootfs;
import dev.poc.storage.HostRootfs;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Where a container's root filesystem comes from. Make one with {@link #host()},
 * {@link #directory(Path)} or {@link #disk(String)}.
 */
public abstract class Rootfs {
  public Rootfs() {}

  /**
   * The embedded default that needs nothing downloaded: the host's {@code /usr}, {@code /bin},
   * {@code /sbin} and {@code /lib*} read-only, a generated minimal {@code /etc}, and private
   * writable {@code /tmp}, {@code /var}, {@code /root} and {@code /run}. The host's
   * {@code /etc/shadow}, home directories and {@code /var/lib} are never visible.
   */
  public static Rootfs host() {
    return HostRootfs.INSTANCE;
  }

  /** Any prepared tree, e.g. an unpacked busybox or Debian; the container may write to it. */
  public static Rootfs directory(Path path) {
    return new DirectoryRootfs(path.toAbsolutePath().normalize());
  }

  /**
   * The persistent disk built for {@code name} ({@code build NAME disk-size SIZE}): an overlay of
   * the shared base image and the disk.
   */
  public static Rootfs disk(String name) {
    return new DiskRootfs(ContainerNames.validate(name));
  }

  /** Adds this root to the helper's plan; the attachment releases whatever it mounted on the host. */
  public abstract Attachment prepare(StartContext ctx) throws IOException;

  /** Whether /etc/hosts, /etc/hostname and /etc/resolv.conf should be bound over the image's. */
  public boolean bindsEtcFiles() {
    return true;
  }
}
