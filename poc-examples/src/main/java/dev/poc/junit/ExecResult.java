package dev.poc.junit;

/** What a command run with {@link PocContainer#exec(String...)} did. */
public record ExecResult(int exitCode, String stdout, String stderr) {
  /** Whether it exited with 0. */
  public boolean succeeded() {
    return exitCode == 0;
  }
}
