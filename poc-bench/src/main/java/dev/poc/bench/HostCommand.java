package dev.poc.bench;

import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Host programs launched from this JVM the way poc launches its helper: stdin from /dev/null,
 * stdout discarded, stderr piped (read only after the exit, to name a failure).
 */
final class HostCommand {
  private HostCommand() {}

  static Process start(List<String> command) throws IOException {
    return new ProcessBuilder(command)
        .redirectInput(Redirect.from(new File("/dev/null")))
        .redirectOutput(Redirect.DISCARD)
        .redirectError(Redirect.PIPE)
        .start();
  }

  /** Runs {@code command} to its exit; returns the nanoseconds from spawn to reaped exit. */
  static long timeToExit(List<String> command) throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    Process p = start(command);
    int code = p.waitFor();
    long t = System.nanoTime() - t0;
    checkExit(command, p, code);
    return t;
  }

  /** Waits for a started command and fails with its stderr unless it exited 0. */
  static void awaitSuccess(List<String> command, Process p) throws IOException, InterruptedException {
    checkExit(command, p, p.waitFor());
  }

  private static void checkExit(List<String> command, Process p, int code) throws IOException {
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (code != 0) {
      throw new BenchmarkFailedException("`" + String.join(" ", command) + "` exited with " + code
          + (err.isEmpty() ? "" : ": " + err));
    }
  }

  /** Runs {@code command} and returns its stdout and stderr; fails unless it exited 0. */
  static String output(List<String> command) throws IOException, InterruptedException {
    return output(new ProcessBuilder(command), command);
  }

  /** As {@link #output(List)}, without the proxy variables: for tools talking to the bench's loopback registry only. */
  static String outputLocal(List<String> command) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().keySet().removeIf(k -> k.toLowerCase(java.util.Locale.ROOT).endsWith("_proxy"));
    return output(pb, command);
  }

  private static String output(ProcessBuilder pb, List<String> command) throws IOException, InterruptedException {
    Process p = pb.redirectErrorStream(true).redirectInput(Redirect.from(new File("/dev/null"))).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int code = p.waitFor();
    if (code != 0) {
      throw new BenchmarkFailedException("`" + String.join(" ", command) + "` exited with " + code + ": " + out.trim());
    }
    return out;
  }

  /** Whether {@code program} is on PATH. */
  static boolean exists(String program) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
      if (new File(dir, program).canExecute()) {
        return true;
      }
    }
    return false;
  }
}
