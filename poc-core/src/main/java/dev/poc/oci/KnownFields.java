package dev.poc.oci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.poc.InvalidSpecException;
import java.util.Iterator;
import java.util.Set;
import java.util.function.BiFunction;

/** An object of config.json or process.json: every field in it one that poc knows, or an error naming the one it does not. */
final class KnownFields {
  private KnownFields() {}

  /**
   * Checks {@code node} (at path {@code at}, "" for the top) holds only {@code fields}; an absent
   * node passes. {@code refuse} makes the error from the field's path and what is wrong.
   */
  static void check(JsonNode node, String at, BiFunction<String, String, InvalidSpecException> refuse, String... fields) {
    if (node.isMissingNode() || node.isNull()) {
      return;
    }
    if (!node.isObject()) {
      throw refuse.apply(at, "is not a JSON object");
    }
    Set<String> ok = Set.of(fields);
    for (Iterator<String> it = node.fieldNames(); it.hasNext();) {
      String f = it.next();
      if (!ok.contains(f)) {
        throw refuse.apply(at.isEmpty() ? f : at + "." + f, "is not a field poc knows or supports: drop it");
      }
    }
  }
}
