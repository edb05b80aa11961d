package dev.poc.oci;

import dev.poc.launch.InitPlan;
import dev.poc.spi.HelperPlan;

/**
 * What {@code config.json}'s process asks that poc's own spec has no words for: the capability sets
 * besides bounding (bit n: capability n), kept for any uid as the runtime spec says, whether
 * no_new_privs is set, and the umask (negative: the runtime's own).
 */
record OciProcess(long effective, long permitted, long inheritable, long ambient, boolean noNewPrivileges, int umask) {

  /** Adds itself to poc-init's plan (the only plan a bundle's container is started with). */
  void addTo(HelperPlan plan) {
    if (!(plan instanceof InitPlan init)) {
      throw new IllegalStateException("a bundle's container needs poc-init's plan, not " + plan.getClass().getName());
    }
    init.ociProcess(effective, permitted, inheritable, ambient, noNewPrivileges, umask);
  }
}
