package dev.poc.oci;

/** What {@code poc-oci --version} prints. */
final class Version {
  static final String TEXT = "0.1.0";

  private Version() {}

  /** The version, the spec, and (from ./poc-oci's {@code -Dpoc.oci.startup}) the JVM, its start-up cache and the front. */
  static String lines() {
    return "poc-oci version " + TEXT + "\nspec: " + Features.OCI_VERSION + "\nstart-up: "
        + System.getProperty("poc.oci.startup", "java " + Runtime.version().feature() + ", no cache, no front (started without ./poc-oci)")
        + "\n";
  }
}
