package dev.poc;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Starts a test main class in a JVM of its own, on this JVM's class path. */
final class ChildJvm {
  private ChildJvm() {}

  static Process start(Class<?> main, String... args) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> cmd = new ArrayList<>(List.of(java, "-cp", cp, main.getName()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).start();
  }
}
