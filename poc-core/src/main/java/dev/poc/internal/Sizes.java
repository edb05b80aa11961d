package dev.poc.internal;

import dev.poc.InvalidSpecException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses sizes such as {@code 512M} or {@code 20G}: binary units, as the seed and Docker read them. */
public final class Sizes {
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([KMGT]?)(I?B)?", Pattern.CASE_INSENSITIVE);
  /** Below this a process cannot even start under a memory limit. */
  public static final long MIN_MEMORY = 4L << 20;

  private Sizes() {}

  /** Bytes in {@code text}; {@code what} names the value in errors (e.g. "disk size"). */
  public static long parse(String text, String what) {
    if (text == null || text.isBlank()) {
      throw new InvalidSpecException(what + " is empty: write a size such as 512M or 20G");
    }
    Matcher m = SIZE.matcher(text.trim());
    if (!m.matches()) {
      throw new InvalidSpecException(
          what + " '" + text + "' is not a size: write a positive number with K, M, G or T, e.g. 20G");
    }
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw new InvalidSpecException(what + " '" + text + "' is too large");
    }
    int shift = switch (m.group(2).toUpperCase(Locale.ROOT)) {
      case "K" -> 10;
      case "M" -> 20;
      case "G" -> 30;
      case "T" -> 40;
      default -> 0;
    };
    if (n <= 0) {
      throw new InvalidSpecException(what + " '" + text + "' must be greater than zero");
    }
    if (n > (Long.MAX_VALUE >> shift)) {
      throw new InvalidSpecException(what + " '" + text + "' is too large");
    }
    return n << shift;
  }

  public static long parseMemory(String text) {
    if (text != null && text.trim().startsWith("-")) {
      throw new InvalidSpecException("memory limit '" + text + "' is negative: write e.g. 512M");
    }
    long bytes = parse(text, "memory limit");
    if (bytes < MIN_MEMORY) {
      throw new InvalidSpecException(
          "memory limit '" + text + "' is below 4M, too little for any process to start: ask for at least 4M");
    }
    return bytes;
  }
}
