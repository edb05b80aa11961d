package dev.poc.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TablesTest {
  @Test
  void rendersAPaddedMarkdownTableWithRightAlignedNumbers() {
    String t = new MarkdownTable("variant", ">median").row("poc", "5.00 ms").row("runc run", "25.00 ms").render();
    assertThat(t).isEqualTo("""
        | variant  |   median |
        | -------- | -------: |
        | poc      |  5.00 ms |
        | runc run | 25.00 ms |
        """);
  }

  @Test
  void escapesPipesInCells() {
    assertThat(new MarkdownTable("a").row("x|y").render()).contains("x\\|y");
  }

  @Test
  void refusesARowOfTheWrongWidth() {
    assertThatThrownBy(() -> new MarkdownTable("a", "b").row("only one")).hasMessageContaining("a row of 1 cells in a table of 2");
  }

  @Test
  void timingTableShowsMediansP90sAndRatiosToEachBaseline() {
    Map<String, long[]> samples = new LinkedHashMap<>();
    samples.put("poc", new long[] {4_000_000, 5_000_000, 6_000_000});
    samples.put("runc", new long[] {20_000_000, 25_000_000, 30_000_000});
    samples.put("floor", new long[] {2_500_000});
    MarkdownTable t = TimingTable.of(samples, new TimingTable.Baseline("poc", "poc"), new TimingTable.Baseline("floor", "floor"));
    assertThat(t.rowNames()).containsExactly("poc", "runc", "floor");
    String text = t.render();
    assertThat(text).contains("median ÷ poc").contains("median ÷ floor");
    assertThat(text).containsPattern("\\| runc +\\| +3 \\| +25.00 ms \\| +29.00 ms \\| +5.00x \\| +10.00x \\|");
    assertThat(text).containsPattern("\\| poc +\\| +3 \\| +5.00 ms \\| +5.80 ms \\| +1.00x \\| +2.00x \\|");
  }

  @Test
  void aMissingBaselineIsNotApplicableRatherThanAnError() {
    Map<String, long[]> samples = new LinkedHashMap<>();
    samples.put("poc", new long[] {1_000_000});
    assertThat(TimingTable.of(samples, new TimingTable.Baseline("crun", "crun run")).render()).contains("n/a");
  }

  @Test
  void formatsUnits() {
    assertThat(Format.millis(1_234_567)).isEqualTo("1.23 ms");
    assertThat(Format.millis(123_456_789)).isEqualTo("123 ms");
    assertThat(Format.ratio(3, 2)).isEqualTo("1.50x");
    assertThat(Format.ratio(3, 0)).isEqualTo("n/a");
    assertThat(Format.kib(2048)).isEqualTo("2 KiB");
  }

  @Test
  void targetsSayWhetherTheyAreMet() {
    assertThat(Target.atMost("poc ÷ crun", 0.4, 0.5, "").render()).isEqualTo("poc ÷ crun: 0.40 (target <= 0.50) — met");
    assertThat(Target.atMost("bridged start", 12.5, 10, "ms").render()).isEqualTo("bridged start: 12.50 ms (target <= 10 ms) — MISSED");
    assertThat(Target.equalTo("failures", 0, 0, "").met()).isTrue();
    assertThat(Target.equalTo("failures", 1, 0, "").met()).isFalse();
    assertThat(Target.atLeast("starts/s ÷ crun", 1.25, 1, "").render()).isEqualTo("starts/s ÷ crun: 1.25 (target >= 1) — met");
    assertThat(Target.atLeast("starts/s ÷ crun", 0.5, 1, "").met()).isFalse();
  }

  @Test
  void gaugesNameWhatALaterReadingHasMore() {
    assertThat(ResourceGauges.added(List.of("pipe:[...]", "socket:[...]"), List.of("pipe:[...]", "pipe:[...]", "socket:[...]")))
        .containsExactly("pipe:[...]");
    assertThat(ResourceGauges.added(List.of("a", "b"), List.of("b"))).isEmpty();
  }

  @Test
  void profileBreakdownTakesTheMedianOfEachIntervalAndSaysWhichAreMissing() {
    Map<String, Long> run1 = Map.of("start() called", 0L, "planned", 1_000_000L);
    Map<String, Long> run2 = Map.of("start() called", 10L, "planned", 3_000_010L);
    String t = FloorProfileScenario.breakdown(List.of(run1, run2)).render();
    assertThat(t).containsPattern("\\| JVM: all of the planning above [^\\n]*\\|\\s+2 \\|\\s+2\\.000 ms \\|")
        .containsPattern("\\| the helper reaps the init, says DIED [^\\n]*\\|\\s+0 \\|\\s+n/a \\|");
  }

  @Test
  void sectionListsTablesTargetsAndNotes() {
    String s = new Section("1. Start").paragraph("What it measures.").table(new MarkdownTable("a").row("x"))
        .target(Target.equalTo("leftovers", 0, 0, "")).note("a note").block("The tool said:", "\nline 1\nline 2\n\n").render();
    assertThat(s).startsWith("### 1. Start\n\nWhat it measures.\n\n| a   |")
        .contains("Targets:\n- leftovers: 0 (target = 0) — met\n").contains("- a note\n")
        .endsWith("- a note\n\nThe tool said:\n\n```\nline 1\nline 2\n```\n\n");
  }
}
