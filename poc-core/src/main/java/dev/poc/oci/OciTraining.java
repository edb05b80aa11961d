package dev.poc.oci;

/**
 * The training run of poc-oci's AOT cache (see ./poc-oci): {@code create} and then {@code delete
 * --force} of one container in one JVM, so the cache holds the classes of both verbs that still
 * need a JVM (the native front answers the others). Not a command for users.
 *
 * <p>Usage: {@code OciTraining ROOT BUNDLE ID}; exits 0 when both verbs did.
 */
public final class OciTraining {
  private OciTraining() {}

  public static void main(String[] argv) {
    if (argv.length != 3) {
      System.err.println("usage: OciTraining ROOT BUNDLE ID (./poc-oci's start-up cache training)");
      System.exit(2);
    }
    int created = OciMain.call("--root", argv[0], "create", "--bundle", argv[1], argv[2]);
    int deleted = OciMain.call("--root", argv[0], "delete", "--force", argv[2]);
    System.exit(created == 0 && deleted == 0 ? 0 : 1);
  }
}
