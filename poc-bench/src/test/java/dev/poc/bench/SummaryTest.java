package dev.poc.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SummaryTest {
  @Test
  void medianOfAnOddCountIsTheMiddleValue() {
    Summary s = Summary.of(new long[] {9, 1, 5});
    assertThat(s.median()).isEqualTo(5);
    assertThat(s.min()).isEqualTo(1);
    assertThat(s.max()).isEqualTo(9);
    assertThat(s.count()).isEqualTo(3);
  }

  @Test
  void medianOfAnEvenCountIsTheMeanOfTheTwoMiddleValues() {
    assertThat(Summary.of(new long[] {4, 1, 3, 2}).median()).isEqualTo(2.5);
  }

  @Test
  void p90InterpolatesBetweenTheClosestRanks() {
    long[] oneToTen = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
    // rank 0.9 * 9 = 8.1: between the 9th (9) and 10th (10) value
    assertThat(Summary.of(oneToTen).p90()).isCloseTo(9.1, org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void aSingleSampleIsEveryPercentile() {
    Summary s = Summary.of(new long[] {7});
    assertThat(s.median()).isEqualTo(7);
    assertThat(s.p90()).isEqualTo(7);
  }

  @Test
  void doesNotReorderTheCallersSamples() {
    long[] samples = {3, 1, 2};
    Summary.of(samples);
    assertThat(samples).containsExactly(3, 1, 2);
  }

  @Test
  void refusesNoSamplesAndPercentilesOutsideTheRange() {
    assertThatThrownBy(() -> Summary.of(new long[0])).hasMessageContaining("no samples");
    assertThatThrownBy(() -> Summary.percentile(new long[] {1}, 101)).hasMessageContaining("outside 0..100");
  }
}
