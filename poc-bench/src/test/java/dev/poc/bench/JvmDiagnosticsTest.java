package dev.poc.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The diagnostic commands the soak's memory gauges use, sent to this test's own JVM. */
class JvmDiagnosticsTest {
  @Test
  void theHeapRangeHoldsTheCommittedHeap() {
    long[] range = JvmDiagnostics.heapRange().orElseThrow();
    assertThat(range[1] - range[0]).as("reserved bytes").isGreaterThanOrEqualTo(Runtime.getRuntime().totalMemory())
        .isLessThanOrEqualTo(Runtime.getRuntime().maxMemory() + (64L << 20));
  }

  @Test
  void theNativeHeapIsTrimmedAndNoTrackingIsReportedWhenOff() {
    assertThat(JvmDiagnostics.trimNativeHeap()).hasValueSatisfying(out -> assertThat(out).contains("Trim native heap"));
    assertThat(JvmDiagnostics.tracksNativeMemory()).isFalse();
  }
}
