package dev.poc.storage;

import dev.poc.internal.Access;
import dev.poc.Image;
import dev.poc.InvalidSpecException;
import dev.poc.spi.RootfsStrategy;
import dev.poc.spi.Attachment;
import dev.poc.spi.StartContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A container's persistent disk laid over its shared base image: the disk's ext4 is mounted on
 * the host (on demand, e.g. after a reboot), and the overlay (image below, read-only; disk's
 * upper and work directories above) is mounted by poc-init inside the container's own mount
 * namespace, so nothing of it is left on the host when the container ends.
 */
public final class DiskRootfs implements RootfsStrategy {
  private final String name;

  public DiskRootfs(String name) {
    this.name = name;
  }

  String name() {
    return name;
  }

  @Override
  public Attachment prepare(StartContext ctx) throws IOException {
    Storage.Use use = Access.api().storage(ctx.runtime()).use(name, ctx);
    try {
      Path lower = use.lowerDir();
      String options = "lowerdir=" + overlayPath(lower) + ",upperdir=" + overlayPath(use.disk().upper())
          + ",workdir=" + overlayPath(use.disk().work());
      ctx.plan().rootOverlay(Files.createDirectories(ctx.runDir().resolve("root")), options, "nodev");
      if (use.image().kind() == Image.Kind.HOST) {
        HostRootfs.planHostPrograms(ctx.plan());
      }
      return use;
    } catch (IOException | RuntimeException e) {
      use.close();
      throw e;
    }
  }

  /** overlayfs splits its options at ',' and lower directories at ':'; such paths cannot be given. */
  private static String overlayPath(Path p) {
    String s = p.toString();
    if (s.indexOf(',') >= 0 || s.indexOf(':') >= 0 || s.indexOf('\\') >= 0) {
      throw new InvalidSpecException("path " + s + " contains ',', ':' or '\\', which overlayfs options cannot carry: "
          + "choose a state root without them");
    }
    return s;
  }

  @Override
  public String toString() {
    return "disk " + name;
  }
}
