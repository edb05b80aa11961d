package dev.poc.bench;

import java.util.Locale;

/**
 * A goal the numbers should come to show, checked and written beside the table. It is never a
 * timed assertion: a missed target is reported, not failed.
 */
record Target(String what, double actual, String comparison, double limit, String unit) {

  static Target atMost(String what, double actual, double limit, String unit) {
    return new Target(what, actual, "<=", limit, unit);
  }

  /** A figure that should reach {@code limit}, such as starts per second beside crun's. */
  static Target atLeast(String what, double actual, double limit, String unit) {
    return new Target(what, actual, ">=", limit, unit);
  }

  static Target equalTo(String what, double actual, double limit, String unit) {
    return new Target(what, actual, "=", limit, unit);
  }

  boolean met() {
    return switch (comparison) {
      case "=" -> actual == limit;
      case ">=" -> actual >= limit;
      default -> actual <= limit;
    };
  }

  String render() {
    String u = unit.isEmpty() ? "" : " " + unit;
    return String.format(Locale.ROOT, "%s: %s%s (target %s %s%s) — %s", what, number(actual), u, comparison,
        number(limit), u, met() ? "met" : "MISSED");
  }

  private static String number(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : String.format(Locale.ROOT, "%.2f", d);
  }
}
