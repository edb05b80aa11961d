package dev.poc.bench;

import java.util.Locale;

/** How numbers are written in the report: milliseconds, ratios and sizes, always with units. */
final class Format {
  private Format() {}

  static String millis(double nanos) {
    double ms = nanos / 1e6;
    return String.format(Locale.ROOT, ms >= 100 ? "%.0f ms" : "%.2f ms", ms);
  }

  /** {@code value / base} as "2.40x"; "n/a" when the base is missing or zero. */
  static String ratio(double value, double base) {
    if (!(base > 0) || Double.isNaN(value)) {
      return "n/a";
    }
    return String.format(Locale.ROOT, "%.2fx", value / base);
  }

  static String kib(double bytes) {
    return String.format(Locale.ROOT, "%.0f KiB", bytes / 1024);
  }
}
