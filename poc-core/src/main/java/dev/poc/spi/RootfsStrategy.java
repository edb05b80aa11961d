package dev.poc.spi;

import dev.poc.Rootfs;
import java.io.IOException;

/**
 * Builds a container's root filesystem; a spec uses one through {@link Rootfs#custom}. It
 * prepares last, after the network, so the network's {@link NetworkFacts} are published.
 *
 * <p>Rootfs strategies belong to a spec, not to a runtime, so nothing reclaims for them after a
 * crash: mounts the helper makes live in the container's mount namespace and vanish with it, and
 * files under {@link StartContext#runDir()} are removed by the runtime. Anything else a strategy
 * holds on the host belongs in a registered {@link HostSetup}.
 */
public interface RootfsStrategy {

  /** Plans the root ({@link HelperPlan#rootBind}, {@code rootTmpfs} or {@code rootOverlay}) and its mounts. */
  Attachment prepare(StartContext ctx) throws IOException;

  /** Whether generated /etc/hosts, /etc/hostname and /etc/resolv.conf are bound over the root's own. */
  default boolean bindsEtcFiles() {
    return true;
  }
}
