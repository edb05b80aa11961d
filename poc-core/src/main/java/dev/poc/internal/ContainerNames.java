package dev.poc.internal;

import dev.poc.InvalidSpecException;
import java.util.regex.Pattern;

/** The rule for container (and image) names, shared by the API and the CLI. */
public final class ContainerNames {
  private static final Pattern VALID = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}");

  private ContainerNames() {}

  public static String validate(String name) {
    return validate(name, "container");
  }

  /** Checks a name of a {@code what} ("container", "image"); returns it. */
  public static String validate(String name, String what) {
    if (name == null || name.isEmpty()) {
      throw new InvalidSpecException(what + " name is empty: give a name such as test0");
    }
    if (name.length() > 64) {
      throw new InvalidSpecException(
          what + " name '" + name + "' is " + name.length() + " characters long: the limit is 64");
    }
    if (name.contains("..") || name.contains("/")) {
      throw new InvalidSpecException(
          what + " name '" + name + "' contains '..' or '/': use letters, digits, '_', '.' and '-'");
    }
    if (!isValid(name)) {
      throw new InvalidSpecException(
          what + " name '" + name + "' is not valid: it must match [a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}");
    }
    return name;
  }

  public static boolean isValid(String name) {
    return name != null && VALID.matcher(name).matches() && !name.contains("..");
  }
}
