package dev.poc;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where a container's root filesystem comes from. Make one with {@link #host()},
 * {@link #directory(Path)} or {@link #disk(String)}.
 */
public abstract class Rootfs {
  Rootfs() {}

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
    dev.poc.image.ImageReference.parse(name);
    return new ImageRootfs(name, java.util.Optional.empty(), null);
  }

  /** As {@link #image(String)}, with the image's Entrypoint replaced ({@code List.of()} clears it). */
  public static Rootfs image(String name, java.util.List<String> entrypoint) {
    dev.poc.image.ImageReference.parse(name);
    return new ImageRootfs(name, java.util.Optional.of(java.util.List.copyOf(entrypoint)), null);
  }

  /** Whether the root brings a default command, so the spec may leave its command empty. */
  boolean providesCommand() {
    return false;
  }

  /** The spec a start really runs: the root may resolve itself and fill defaults the spec left open. */
  ContainerSpec complete(ContainerSpec spec, ContainerRuntime runtime) throws IOException {
    return spec;
  }

  /** Adds this root to the helper's plan; the attachment releases whatever it mounted on the host. */
  abstract Attachment prepare(StartContext ctx) throws IOException;

  /** Whether /etc/hosts, /etc/hostname and /etc/resolv.conf should be bound over the image's. */
  boolean bindsEtcFiles() {
    return true;
  }
}
