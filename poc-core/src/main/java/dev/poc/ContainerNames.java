package dev.poc;

import java.util.regex.Pattern;

/** The rule for container names, shared by the API and the CLI. */
final class ContainerNames {
  private static final Pattern VALID = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}");

  private ContainerNames() {}

  static String validate(String name) {
    if (name == null || name.isEmpty()) {
      throw new InvalidSpecException("container name is empty: give a name such as test0");
    }
    if (name.length() > 64) {
      throw new InvalidSpecException(
          "container name '" + name + "' is " + name.length() + " characters long: the limit is 64");
    }
    if (name.contains("..") || name.contains("/")) {
      throw new InvalidSpecException(
          "container name '" + name + "' contains '..' or '/': use letters, digits, '_', '.' and '-'");
    }
    if (!VALID.matcher(name).matches()) {
      throw new InvalidSpecException(
          "container name '" + name + "' is not valid: it must match [a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}");
    }
    return name;
  }
}
