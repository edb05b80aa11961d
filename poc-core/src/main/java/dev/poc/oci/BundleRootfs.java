package dev.poc.oci;

import dev.poc.InvalidSpecException;
import dev.poc.spi.Attachment;
import dev.poc.spi.RootfsStrategy;
import dev.poc.spi.StartContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A bundle's {@code root.path}, bound onto itself and pivoted into, read-only when {@code
 * root.readonly} says so. The engine owns the directory (Docker's overlay, containerd's snapshot),
 * so nothing is left to undo. It also carries the bundle's namespaced sysctls into the helper's
 * plan, with the process's capability sets, no_new_privs and umask ({@link OciProcess}) and the
 * linux section's joins, masks, propagation and devices ({@link OciLinux}), and
 * returns the {@link InitHostSteps} as its attachment: the strategy that prepares last.
 */
final class BundleRootfs implements RootfsStrategy {
  private final Path path;
  private final boolean readOnly;
  private final Map<String, String> sysctls;
  private final InitHostSteps steps;
  private final OciProcess process;
  private final OciLinux linux;

  BundleRootfs(Path path, boolean readOnly, Map<String, String> sysctls, InitHostSteps steps, OciProcess process,
      OciLinux linux) {
    this.path = path;
    this.readOnly = readOnly;
    this.sysctls = Map.copyOf(sysctls);
    this.steps = steps;
    this.process = process;
    this.linux = linux;
  }

  @Override
  public Attachment prepare(StartContext ctx) {
    if (!Files.isDirectory(path)) {
      throw new InvalidSpecException("root.path " + path + " is not a directory: unpack the image's root filesystem there");
    }
    ctx.plan().rootBind(path, path, readOnly ? "ro,nodev" : "nodev");
    sysctls.forEach(ctx.plan()::sysctl);
    process.addTo(ctx.plan());
    linux.addTo(ctx.plan()); // after the namespace strategy's: a joined kind replaces a new one
    return steps; // rootfs prepares last: the other host steps (cgroups) are done when these run
  }

  /** The linux section's part of the plan (for tests). */
  OciLinux linux() {
    return linux;
  }

  /** The engine writes /etc/hosts, /etc/hostname and /etc/resolv.conf as bind mounts of its own. */
  @Override
  public boolean bindsEtcFiles() {
    return false;
  }

  @Override
  public String toString() {
    return "bundle root " + path + (readOnly ? " (read-only)" : "");
  }
}
