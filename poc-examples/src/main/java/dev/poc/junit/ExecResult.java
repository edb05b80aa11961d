package dev.poc.junit;

/**
 * What a command run with {@link PocContainer#exec(String...)} did: its exit code, its output as
 * UTF-8 text, and the same output as the bytes it wrote (binary output, e.g. a tar stream).
 */
public record ExecResult(int exitCode, String stdout, String stderr, byte[] stdoutBytes, byte[] stderrBytes) {
  /** A result whose output is text. */
  public ExecResult(int exitCode, String stdout, String stderr) {
    this(exitCode, stdout, stderr, stdout.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        stderr.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** Whether it exited with 0. */
  public boolean succeeded() {
    return exitCode == 0;
  }
}
