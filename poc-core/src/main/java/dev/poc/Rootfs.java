package dev.poc;

import dev.poc.internal.ContainerNames;
import dev.poc.spi.RootfsStrategy;
import dev.poc.storage.DirectoryRootfs;
import dev.poc.storage.DiskRootfs;
import dev.poc.storage.HostRootfs;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a container's root filesystem comes from. Make one with {@link #host()},
 * {@link #directory(Path)}, {@link #disk(String)}, or {@link #custom(RootfsStrategy)} for a
 * strategy of your own.
 */
public final class Rootfs {
  private static final Rootfs HOST = new Rootfs(HostRootfs.INSTANCE);

  private final RootfsStrategy strategy;

  private Rootfs(RootfsStrategy strategy) {
    this.strategy = strategy;
  }

  /**
   * The embedded default that needs nothing downloaded: the host's {@code /usr}, {@code /bin},
   * {@code /sbin} and {@code /lib*} read-only, a generated minimal {@code /etc}, and private
   * writable {@code /tmp}, {@code /var}, {@code /root} and {@code /run}. The host's
   * {@code /etc/shadow}, home directories and {@code /var/lib} are never visible.
   */
  public static Rootfs host() {
    return HOST;
  }

  /** Any prepared tree, e.g. an unpacked busybox or Debian; the container may write to it. */
  public static Rootfs directory(Path path) {
    return new Rootfs(new DirectoryRootfs(path.toAbsolutePath().normalize()));
  }

  /**
   * The persistent disk built for {@code name} ({@code build NAME disk-size SIZE}): an overlay of
   * the shared base image and the disk.
   */
  public static Rootfs disk(String name) {
    return new Rootfs(new DiskRootfs(ContainerNames.validate(name)));
  }

  /** A root built by {@code strategy}; its {@code toString()} is what {@code poc ps} shows. */
  public static Rootfs custom(RootfsStrategy strategy) {
    return new Rootfs(Objects.requireNonNull(strategy, "strategy"));
  }

  /** The strategy that builds this root. */
  public RootfsStrategy strategy() {
    return strategy;
  }

  @Override
  public String toString() {
    return strategy.toString();
  }
}
