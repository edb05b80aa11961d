package dev.poc.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poc.InvalidSpecException;
import dev.poc.launch.InitPlan;
import dev.poc.spi.HelperPlan;
import java.nio.file.Path;
import java.util.List;

/**
 * The hooks poc-init runs itself, inside: createContainer (in the container's mount namespace,
 * after its mounts, before pivot_root) and startContainer (in the container after {@code start},
 * before the command). Their state is rendered here as for prestart, less the pid, which only
 * the init knows when the plan is sent: poc-init writes it between the two halves.
 */
final class InsideHooks {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** What poc-init holds: more is refused here, by name, rather than there. */
  private static final int MAX_HOOKS = 8;
  private static final int MAX_ITEMS = 64;

  private final String id;
  private final Path bundle;
  private final JsonNode annotations;
  private final List<Hook> createContainer;
  private final List<Hook> startContainer;

  InsideHooks(String id, Path bundle, JsonNode annotations, List<Hook> createContainer, List<Hook> startContainer) {
    if (createContainer.size() + startContainer.size() > MAX_HOOKS) {
      throw new InvalidSpecException("hooks.createContainer and hooks.startContainer list "
          + (createContainer.size() + startContainer.size()) + " hooks: poc runs at most " + MAX_HOOKS + " of them");
    }
    for (Hook h : createContainer) {
      checkSize(h);
    }
    for (Hook h : startContainer) {
      checkSize(h);
    }
    this.id = id;
    this.bundle = bundle;
    this.annotations = annotations;
    this.createContainer = List.copyOf(createContainer);
    this.startContainer = List.copyOf(startContainer);
  }

  private static void checkSize(Hook h) {
    if (h.args().size() > MAX_ITEMS || h.env().size() > MAX_ITEMS) {
      throw new InvalidSpecException("hook " + h.path() + " has " + h.args().size() + " args and " + h.env().size()
          + " env entries: poc runs a createContainer or startContainer hook with at most " + MAX_ITEMS + " of each");
    }
  }

  boolean isEmpty() {
    return createContainer.isEmpty() && startContainer.isEmpty();
  }

  /** Adds the hooks to poc-init's plan, each with its state halves. */
  void addTo(HelperPlan plan) {
    if (isEmpty()) {
      return;
    }
    if (!(plan instanceof InitPlan init)) {
      throw new IllegalStateException("a bundle's container needs poc-init's plan, not " + plan.getClass().getName());
    }
    // runc's state for these: creating at createContainer, created at startContainer
    add(init, "createContainer", "creating", createContainer);
    add(init, "startContainer", "created", startContainer);
  }

  private void add(InitPlan init, String phase, String status, List<Hook> hooks) {
    String[] halves = stateHalves(status);
    for (Hook h : hooks) {
      init.hook(phase, h.path(), h.args(), h.env(), h.timeoutSeconds(), halves[0], halves[1]);
    }
  }

  /** The state document, cut where its pid goes. */
  String[] stateHalves(String status) {
    ObjectNode head = JSON.createObjectNode();
    head.put("ociVersion", Features.OCI_VERSION);
    head.put("id", id);
    head.put("status", status);
    ObjectNode tail = JSON.createObjectNode();
    tail.put("bundle", bundle.toString());
    tail.set("annotations", annotations);
    String h = head.toString();
    String t = tail.toString();
    return new String[] {h.substring(0, h.length() - 1) + ",\"pid\":", "," + t.substring(1)};
  }
}
