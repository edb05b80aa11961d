package dev.poc.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The standard table of a timed scenario: one row per variant with its median and p90, and the
 * ratio of its median to each baseline's median (so a row reads "2.4x poc", never a bare time).
 */
final class TimingTable {
  /** A column of ratios: every row's median divided by the median of {@code variant}. */
  record Baseline(String label, String variant) {}

  private TimingTable() {}

  static MarkdownTable of(Map<String, long[]> samples, Baseline... baselines) {
    List<String> headers = new ArrayList<>(List.of("variant", ">runs", ">median", ">p90"));
    for (Baseline b : baselines) {
      headers.add(">median ÷ " + b.label());
    }
    MarkdownTable table = new MarkdownTable(headers.toArray(String[]::new));
    for (Map.Entry<String, long[]> e : samples.entrySet()) {
      Summary s = Summary.of(e.getValue());
      List<String> cells = new ArrayList<>(List.of(e.getKey(), Integer.toString(s.count()), Format.millis(s.median()),
          Format.millis(s.p90())));
      for (Baseline b : baselines) {
        long[] base = samples.get(b.variant());
        cells.add(base == null ? "n/a" : Format.ratio(s.median(), Summary.of(base).median()));
      }
      table.row(cells.toArray(String[]::new));
    }
    return table;
  }

  /** The median of a variant's samples, or NaN when the variant did not run. */
  static double median(Map<String, long[]> samples, String variant) {
    long[] s = samples.get(variant);
    return s == null ? Double.NaN : Summary.of(s).median();
  }
}
