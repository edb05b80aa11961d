package dev.poc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poc.cgroup.CgroupLayout;
import dev.poc.launch.StartProfile;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The start profile poc-bench reads (scenario 12): every step of a start is recorded, the init's
 * (from its TIMES line) on the same clock as the JVM's, which the order of steps across the two
 * processes shows; and nothing is recorded for a start while no listener is installed.
 */
class StartProfileTest extends RuntimeTestBase {
  /** Steps each of which happens after the one before it, across the JVM and the init. */
  private static final List<String> CAUSAL_ORDER = List.of("start() called", "planned", "helper taken", "init entered",
      "init root built", "init cgroups joined", "init GO read", "init command forked", "init exec seen", "init command reaped",
      "EXIT read", "helper done", "final figures read", "host side released", "run dir removed", "released");
  private static final List<String> JVM_START = List.of("start() called", "name locked", "run dir made",
      "host setups prepared", "planned", "helper taken", "PID read", "host groups made",
      "host side attached", "EXEC read", "start() returns");

  @AfterEach
  void stopListening() {
    StartProfile.listen(null);
  }

  @Test
  void recordsEveryStepOfAStartInOrderOnOneClock() throws Exception {
    Map<String, Map<String, Long>> marks = new ConcurrentHashMap<>();
    StartProfile.listen(m -> marks.computeIfAbsent(m.container(), k -> new ConcurrentHashMap<>()).put(m.step(), m.nanos()));
    String name;
    try (Container c = busybox("prof", "true").start()) {
      name = c.name();
      assertThat(c.waitFor()).isZero();
    }
    Map<String, Long> steps = marks.get(name);
    assertThat(steps).containsKeys(CAUSAL_ORDER.toArray(String[]::new)).containsKeys(JVM_START.toArray(String[]::new));
    assertInOrder(steps, CAUSAL_ORDER);
    assertInOrder(steps, JVM_START);
    // the init's exec is seen before the JVM reads EXEC, and the JVM sends GO before the init reads it
    assertThat(steps.get("init exec seen")).isLessThanOrEqualTo(steps.get("EXEC read"));
    assertThat(steps.get("host side attached")).isLessThanOrEqualTo(steps.get("init GO read"));
    // poc's v1 groups are made while the init starts, and it joins them only once they exist
    if (CgroupLayout.detect().v1().containsKey("memory")) {
      assertThat(steps.get("host groups made")).isLessThanOrEqualTo(steps.get("init cgroups joined"));
    }
  }

  @Test
  void recordsNothingWithoutAListener() throws Exception {
    Map<String, Long> seen = new ConcurrentHashMap<>();
    StartProfile.listen(m -> seen.put(m.container() + " " + m.step(), m.nanos()));
    StartProfile.listen(null);
    try (Container c = busybox("noprof", "true").start()) {
      assertThat(c.waitFor()).isZero();
    }
    assertThat(seen).isEmpty();
  }

  private static void assertInOrder(Map<String, Long> steps, List<String> order) {
    for (int i = 1; i < order.size(); i++) {
      assertThat(steps.get(order.get(i))).as(order.get(i - 1) + " before " + order.get(i))
          .isGreaterThanOrEqualTo(steps.get(order.get(i - 1)));
    }
  }
}
