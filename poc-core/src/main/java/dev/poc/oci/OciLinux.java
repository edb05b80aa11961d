package dev.poc.oci;

import dev.poc.Namespace;
import dev.poc.launch.InitPlan;
import dev.poc.spi.HelperPlan;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code config.json}'s linux section asks that poc's own spec has no words for: namespaces
 * joined by path (a Kubernetes pod's network namespace), maskedPaths and readonlyPaths when given
 * (else poc's own lists), the root's propagation, and the bundle's binds and tmpfs mounts, planned
 * here in the config's order (with their propagation) rather than through the spec, whose binds
 * and tmpfs are two lists, and the nodes of {@code linux.devices}.
 *
 * @param joins the namespaces joined, by kind (a joined MOUNT is where the root is built)
 * @param masked maskedPaths, or empty for poc's own lists
 * @param readOnly readonlyPaths, used when {@code masked} is present
 * @param propagation mount(2) flags for the root, 0 to leave it private
 * @param mounts the binds and tmpfs mounts, in order
 * @param domainname config.json's {@code domainname} (top level, as the mounts), "" when not given
 */
record OciLinux(Map<Namespace, Path> joins, Optional<List<String>> masked, List<String> readOnly, long propagation,
    List<Mount> mounts, List<Device> devices, boolean hostMounts, String domainname) {

  /**
   * One of {@code linux.devices}: a node made at {@code path} inside the container after the
   * mounts, as runc makes it ({@code type} c, b or p; {@code u} is made as c).
   */
  record Device(String path, char type, long major, long minor, int mode, long uid, long gid) {}

  /**
   * One bind ({@code source}, flags ro/nosuid/nodev/noexec) or tmpfs (no source; tmpfs options) at
   * {@code destination}, and its propagation as mount(2) flags (0: private, poc's default).
   */
  record Mount(boolean bind, Path source, String destination, String options, long propagation) {}

  /**
   * This, with {@code mounts} (read after the linux section: config.json lists them apart) and
   * whether the container shares the host's mount namespace (no mount namespace in the config).
   */
  OciLinux withMounts(List<Mount> mounts, boolean hostMounts) {
    return new OciLinux(joins, masked, readOnly, propagation, List.copyOf(mounts), devices, hostMounts, domainname);
  }

  /** This, with config.json's {@code domainname}, which poc-init sets in the new UTS namespace. */
  OciLinux withDomainname(String name) {
    return new OciLinux(joins, masked, readOnly, propagation, mounts, devices, hostMounts, name);
  }

  /** Adds itself to poc-init's plan (the only plan a bundle's container is started with). */
  void addTo(HelperPlan plan) {
    joins.forEach(plan::joinNamespace);
    for (Mount m : mounts) {
      if (m.bind()) {
        plan.bind(m.source(), m.destination(), m.options());
      } else {
        plan.tmpfs(m.destination(), m.options());
      }
    }
    boolean propagates = mounts.stream().anyMatch(m -> m.propagation() != 0);
    if (masked.isEmpty() && propagation == 0 && !propagates && devices.isEmpty() && !hostMounts && domainname.isEmpty()) {
      return;
    }
    if (!(plan instanceof InitPlan init)) {
      throw new IllegalStateException("a bundle's container needs poc-init's plan, not " + plan.getClass().getName());
    }
    if (!domainname.isEmpty()) {
      init.domainname(domainname);
    }
    devices.forEach(d -> init.deviceNode(d.path(), d.type(), d.major(), d.minor(), d.mode(), d.uid(), d.gid()));
    masked.ifPresent(m -> init.ociMasks(m, readOnly));
    if (hostMounts) {
      init.hostMountNamespace();
    }
    if (propagation != 0) {
      init.rootPropagation(propagation);
    }
    mounts.stream().filter(m -> m.propagation() != 0).forEach(m -> init.propagation(m.destination(), m.propagation()));
  }
}
