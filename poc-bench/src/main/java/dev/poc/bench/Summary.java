package dev.poc.bench;

import java.util.Arrays;

/** Order statistics of one variant's samples (nanoseconds, or any unit the samples are in). */
record Summary(int count, double min, double median, double p90, double max) {

  static Summary of(long[] samples) {
    if (samples.length == 0) {
      throw new IllegalArgumentException("no samples: a variant must run at least once");
    }
    long[] sorted = samples.clone();
    Arrays.sort(sorted);
    return new Summary(sorted.length, sorted[0], percentile(sorted, 50), percentile(sorted, 90), sorted[sorted.length - 1]);
  }

  /**
   * The p-th percentile of sorted samples, interpolated linearly between the two closest ranks
   * (the common "type 7" definition, so the 50th is the usual median of an even count).
   */
  static double percentile(long[] sorted, double p) {
    if (p < 0 || p > 100) {
      throw new IllegalArgumentException("percentile " + p + " is outside 0..100");
    }
    double rank = p / 100 * (sorted.length - 1);
    int lo = (int) Math.floor(rank);
    int hi = (int) Math.ceil(rank);
    return sorted[lo] + (rank - lo) * (sorted[hi] - sorted[lo]);
  }
}
