package dev.poc;

import dev.poc.image.ImageReference;
import dev.poc.image.PulledImage;
import dev.poc.image.RegistryImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * An image pulled by name, as the root: an overlay whose lower layers are the image's layers,
 * shared read-only with every container of the image, and whose upper layer is private to this
 * run (a directory in the run directory, removed with it). The overlay is mounted by poc-init in
 * the container's own mount namespace, so nothing of it stays on the host.
 */
final class ImageRootfs extends Rootfs {
  private final String name;
  private final Optional<List<String>> entrypoint;
  private final PulledImage resolved; // null until the start resolves the name

  ImageRootfs(String name, Optional<List<String>> entrypoint, PulledImage resolved) {
    this.name = name;
    this.entrypoint = entrypoint;
    this.resolved = resolved;
  }

  String name() {
    return name;
  }

  @Override
  boolean providesCommand() {
    return true;
  }

  /** Pulls the image when the store lacks it, and fills what the spec leaves open from its configuration. */
  @Override
  ContainerSpec complete(ContainerSpec spec, ContainerRuntime runtime) throws IOException {
    PulledImage image = resolved != null ? resolved : runtime.registryImages().ensure(name, Progress.none());
    ImageRootfs pinned = new ImageRootfs(name, entrypoint, image);
    List<Path> layers = runtime.registryImages().layerDirsTopFirst(image);
    return ImageDefaults.apply(spec, pinned, image, entrypoint, layers);
  }

  @Override
  Attachment prepare(StartContext ctx) throws IOException {
    RegistryImages images = ctx.runtime().registryImages();
    PulledImage image = resolved != null ? resolved : images.ensure(name, Progress.none());
    RegistryImages.Hold hold = images.hold(ctx.name(), image);
    try {
      Path upper = Files.createDirectories(ctx.runDir().resolve("upper"));
      Path work = Files.createDirectories(ctx.runDir().resolve("work"));
      String lower = hold.layersTopFirst().stream().map(DiskRootfs::overlayPath).collect(Collectors.joining(":"));
      String options = "lowerdir=" + lower + ",upperdir=" + DiskRootfs.overlayPath(upper)
          + ",workdir=" + DiskRootfs.overlayPath(work);
      if (options.length() > 4000) {
        throw new InvalidSpecException("image " + name + " has " + hold.layersTopFirst().size()
            + " layers, more than one overlay mount option can name under " + ctx.runtime().stateRoot()
            + ": use a state root with a shorter path");
      }
      ctx.plan().rootOverlay(Files.createDirectories(ctx.runDir().resolve("root")), options, "nodev");
      return hold::close;
    } catch (IOException | RuntimeException e) {
      hold.close();
      throw e;
    }
  }

  @Override
  public String toString() {
    return "image " + ImageReference.parse(name).familiar();
  }
}
