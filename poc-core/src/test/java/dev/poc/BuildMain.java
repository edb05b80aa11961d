package dev.poc;

import java.nio.file.Path;

/**
 * A second JVM for StateStoreTest: opens a runtime, says READY, waits for a line on stdin (so that
 * two of them start building together), builds one container and prints OK or the error's class
 * and message. Args: stateRoot name size.
 */
public final class BuildMain {
  private BuildMain() {}

  public static void main(String[] args) {
    try (ContainerRuntime rt = ContainerRuntime.open(Path.of(args[0]))) {
      System.out.println("READY");
      System.out.flush();
      new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
      rt.build(args[1], args[2]);
      System.out.println("OK");
    } catch (java.io.IOException | PocException e) {
      System.out.println("ERR " + e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }
}
