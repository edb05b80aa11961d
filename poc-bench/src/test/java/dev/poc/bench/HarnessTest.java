package dev.poc.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HarnessTest {
  private final List<String> order = new ArrayList<>();

  private Variant recording(String name, long nanos) {
    return new Variant(name, () -> {
      order.add(name);
      return nanos;
    });
  }

  @Test
  void rotatesTheStartingVariantEveryRound() throws Exception {
    new Harness(0, 3, null).run(List.of(recording("a", 1), recording("b", 2), recording("c", 3)));
    assertThat(order).containsExactly("a", "b", "c", "b", "c", "a", "c", "a", "b");
  }

  @Test
  void discardsWarmUpRoundsAndKeepsEachVariantsOwnSamples() throws Exception {
    AtomicLong next = new AtomicLong();
    Variant counting = new Variant("counting", next::incrementAndGet);
    Map<String, long[]> samples = new Harness(2, 3, null).run(List.of(counting, recording("fixed", 42)));
    assertThat(samples.keySet()).containsExactly("counting", "fixed");
    assertThat(samples.get("counting")).containsExactly(3, 4, 5);
    assertThat(samples.get("fixed")).containsExactly(42, 42, 42);
  }

  @Test
  void aFailingTrialNamesItsVariantAndRound() {
    Variant failing = new Variant("runc run", () -> {
      throw new IllegalStateException("no such bundle");
    });
    assertThatThrownBy(() -> new Harness(0, 2, null).run(List.of(failing)))
        .isInstanceOf(BenchmarkFailedException.class)
        .hasMessageContaining("runc run failed in round 1 of 2: no such bundle");
  }

  @Test
  void runsOnlyTheVariantsTheFilterMatches() throws Exception {
    Map<String, long[]> samples = new Harness(0, 1, 0, java.util.regex.Pattern.compile("poc"), null)
        .run(List.of(recording("poc (Java API)", 1), recording("runc run", 2), recording("poc, BRIDGE", 3)));
    assertThat(samples.keySet()).containsExactly("poc (Java API)", "poc, BRIDGE");
    assertThat(order).containsExactly("poc (Java API)", "poc, BRIDGE");
  }

  @Test
  void refusesDuplicateNamesAndNoIterations() {
    assertThatThrownBy(() -> new Harness(0, 1, null).run(List.of(recording("a", 1), recording("a", 2))))
        .hasMessageContaining("two variants are named 'a'");
    assertThatThrownBy(() -> new Harness(0, 0, null)).hasMessageContaining("iterations 0");
  }
}
