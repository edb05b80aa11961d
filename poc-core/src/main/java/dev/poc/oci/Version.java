package dev.poc.oci;

/** What {@code poc-oci --version} prints. */
final class Version {
  static final String TEXT = "0.1.0";

  private Version() {}

  static String lines() {
    return "poc-oci version " + TEXT + "\nspec: " + Features.OCI_VERSION + "\n";
  }
}
