package dev.poc;

import dev.poc.internal.ContainerNames;
import dev.poc.spi.RootfsStrategy;
import dev.poc.storage.DirectoryRootfs;
import dev.poc.storage.DiskRootfs;
import dev.poc.storage.HostRootfs;
import dev.poc.image.ImageRootfs;
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

  /**
   * An image from a registry, by name as Docker takes it ({@code busybox:1.36},
   * {@code registry.example:5000/team/app@sha256:...}): pulled into the state root on first use
   * (see {@link ContainerRuntime#registryImages()}), its layers shared read-only by every
   * container, each container writing to a private upper layer. The image's Entrypoint, Cmd, Env,
   * WorkingDir, User and ExposedPorts are the spec's defaults: a command given to the spec
   * replaces Cmd (Entrypoint stays, as with {@code docker run}); the spec's variables win; a cwd
   * other than "/" or a uid/gid other than 0 wins; ports are published when the spec is networked
   * and publishes none.
   */
  public static Rootfs image(String name) {
    return new Rootfs(new ImageRootfs(name, java.util.Optional.empty(), null));
  }

  /** As {@link #image(String)}, with the image's Entrypoint replaced ({@code List.of()} clears it). */
  public static Rootfs image(String name, java.util.List<String> entrypoint) {
    return new Rootfs(new ImageRootfs(name, java.util.Optional.of(java.util.List.copyOf(entrypoint)), null));
  }

  /**
   * For a {@link #image(String) Rootfs.image}: this root with the container's upper layer (where
   * it writes) on a tmpfs of at most {@code size} (K/M/G, binary units, e.g. {@code "256M"})
   * instead of a directory in the run directory. The tmpfs is mounted in the container's own mount
   * namespace: writes cost no disk I/O, nothing of them is ever visible on the host, and all of it
   * is gone when the container ends. A write past the size fails in the container with ENOSPC.
   * Memory used counts against the container's memory limit (tmpfs pages are its cgroup's).
   *
   * <pre>{@code .rootfs(Rootfs.image("redis:7").upperOnTmpfs("256M"))}</pre>
   *
   * @throws InvalidSpecException this root is not an image, or the size is not valid
   */
  public Rootfs upperOnTmpfs(String size) {
    if (!(strategy instanceof ImageRootfs image)) {
      throw new InvalidSpecException("upperOnTmpfs(\"" + size + "\") applies to Rootfs.image(NAME) only, not to "
          + strategy + ": for a tmpfs root use a tmpfs mount or Rootfs.image");
    }
    return new Rootfs(image.withUpperOnTmpfs(dev.poc.internal.Sizes.parse(size, "upper tmpfs size")));
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
