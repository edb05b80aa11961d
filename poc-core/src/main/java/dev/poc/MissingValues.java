package dev.poc;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turns Immutables' "some of required attributes are not set [a, b]" into the builder calls to add. */
final class MissingValues {
  private static final Pattern LIST = Pattern.compile("required attributes are not set \\[([^\\]]*)]");

  private MissingValues() {}

  /** An {@link InvalidSpecException} naming each missing value's builder method, or {@code e} itself. */
  static RuntimeException explain(IllegalStateException e, String what, String example) {
    Matcher m = LIST.matcher(String.valueOf(e.getMessage()));
    if (!m.find()) {
      return e;
    }
    List<String> calls = new ArrayList<>();
    for (String attr : m.group(1).split(",\\s*")) {
      calls.add("." + attr.trim() + "(...)");
    }
    return new InvalidSpecException("the " + what + " lacks " + String.join(" and ", calls) + ": call "
        + (calls.size() == 1 ? "it" : "them") + " on the builder, e.g. " + example);
  }
}
