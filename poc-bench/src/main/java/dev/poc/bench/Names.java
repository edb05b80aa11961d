package dev.poc.bench;

import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Unique container names of one benchmark run: "p" + 3 random hex digits of the run + a base-36
 * counter, 8 characters in all, so that poc's interface names (vpeer1_NAME) need no shortening
 * and everything a run leaves on the host can be found by its prefix.
 */
final class Names {
  private final String prefix;
  private final AtomicInteger counter = new AtomicInteger();

  Names() {
    this(String.format(Locale.ROOT, "p%03x", ThreadLocalRandom.current().nextInt(0x1000)));
  }

  Names(String prefix) {
    this.prefix = prefix;
  }

  String prefix() {
    return prefix;
  }

  String next() {
    String n = Integer.toString(counter.getAndIncrement(), 36);
    if (n.length() > 4) {
      throw new IllegalStateException("more than 36^4 containers in one run");
    }
    return prefix + "0".repeat(4 - n.length()) + n;
  }
}
