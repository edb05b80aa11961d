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
 * (else poc's own lists), and the root's propagation.
 *
 * @param joins the namespaces joined, by kind (never MOUNT: the root is built in a new one)
 * @param masked maskedPaths, or empty for poc's own lists
 * @param readOnly readonlyPaths, used when {@code masked} is present
 * @param propagation mount(2) flags for the root, 0 to leave it private
 */
record OciLinux(Map<Namespace, Path> joins, Optional<List<String>> masked, List<String> readOnly, long propagation) {

  /** Adds itself to poc-init's plan (the only plan a bundle's container is started with). */
  void addTo(HelperPlan plan) {
    joins.forEach(plan::joinNamespace);
    if (masked.isEmpty() && propagation == 0) {
      return;
    }
    if (!(plan instanceof InitPlan init)) {
      throw new IllegalStateException("a bundle's container needs poc-init's plan, not " + plan.getClass().getName());
    }
    masked.ifPresent(m -> init.ociMasks(m, readOnly));
    if (propagation != 0) {
      init.rootPropagation(propagation);
    }
  }
}
