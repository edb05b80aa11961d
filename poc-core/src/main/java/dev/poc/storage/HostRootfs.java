package dev.poc.storage;

import dev.poc.spi.RootfsStrategy;
import dev.poc.spi.HelperPlan;
import dev.poc.spi.Attachment;
import dev.poc.spi.StartContext;
import dev.poc.host.HostDirs;
import dev.poc.Namespace;
import dev.poc.launch.InitPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * The host's programs on a fresh tmpfs root. Only the host's read-only program trees are bound;
 * /etc is generated per container, so no host secret (shadow, keys, homes, /var/lib) is visible.
 */
public final class HostRootfs implements RootfsStrategy {
  public static final HostRootfs INSTANCE = new HostRootfs();
  private static final List<String> PROGRAM_TREES =
      List.of("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32");
  /** Host files under /etc that programs need to run and that hold no secret. */
  private static final List<String> SHARED_ETC =
      List.of("alternatives", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "ssl", "ca-certificates",
          "localtime", "mime.types", "bash.bashrc", "profile", "inputrc", "terminfo", "protocols", "services");

  /**
   * The directory under the host state that every such container with a mount namespace of its own
   * mounts its root tmpfs on, that namespace made private before: the host never sees those mounts,
   * and a start makes no directory in its run dir for its release to remove. A container that joins
   * a mount namespace (a {@link dev.poc.spi.NamespaceStrategy}'s choice) or keeps the host's
   * mounts on a directory of its run dir, as two such containers could otherwise mount on one path.
   */
  private static final String MOUNT_POINT = "root-mount";

  private HostRootfs() {}

  @Override
  public Attachment prepare(StartContext ctx) throws IOException {
    HelperPlan plan = ctx.plan();
    boolean ownMounts = plan instanceof InitPlan p && p.createsNamespace(Namespace.MOUNT);
    plan.rootTmpfs(Files.createDirectories(ownMounts ? HostDirs.hostState().resolve(MOUNT_POINT) : ctx.runDir().resolve("root")),
        "mode=755");
    // /etc in memory: its files and mount points made on a tmpfs, not in a directory of the run
    // dir (ext4 work at the start and again at the release, a millisecond or so of CPU)
    plan.tmpfs("/etc", "mode=755");
    EtcFiles.writeHostEtc(ctx);
    planHostPrograms(plan);
    plan.tmpfs("/tmp", "mode=1777");
    plan.tmpfs("/var", "mode=755");
    plan.mkdir("/var/tmp", 01777);
    plan.tmpfs("/root", "mode=700");
    plan.tmpfs("/run", "mode=755");
    return Attachment.none();
  }

  /** The host's program trees and its secret-free /etc files, read-only, over a root that has an /etc. */
  static void planHostPrograms(HelperPlan plan) throws IOException {
    for (String tree : PROGRAM_TREES) {
      Path host = Path.of("/", tree);
      if (Files.isSymbolicLink(host)) {
        plan.symlink(Files.readSymbolicLink(host).toString(), "/" + tree); // merged /usr
      } else if (Files.isDirectory(host, LinkOption.NOFOLLOW_LINKS)) {
        plan.bind(host, "/" + tree, "ro,nodev");
      }
    }
    for (String name : SHARED_ETC) {
      plan.bind(Path.of("/etc", name), "/etc/" + name, "ro,nodev,nosuid,optional");
    }
  }

  @Override
  public boolean bindsEtcFiles() {
    return false; // its whole /etc is generated
  }

  @Override
  public String toString() {
    return "host rootfs";
  }
}
