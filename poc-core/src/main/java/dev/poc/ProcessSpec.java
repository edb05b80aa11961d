package dev.poc;

import java.util.List;
import java.util.Map;
import org.immutables.value.Value;

/**
 * The process part of a spec, as the OCI runtime spec's {@code process} has it (args, env, cwd,
 * user), plus where its streams go: shared by {@link ContainerSpec} and {@link ExecSpec}.
 */
public abstract class ProcessSpec {
  ProcessSpec() {}

  /** The command and its arguments ({@code process.args}). */
  public abstract List<String> args();

  /** Environment variables added to PATH, HOSTNAME, HOME and TERM ({@code process.env}). */
  public abstract Map<String, String> env();

  /** Working directory inside the container ({@code process.cwd}). */
  @Value.Default
  public String cwd() {
    return "/";
  }

  /** User id the command runs as ({@code process.user.uid}). */
  @Value.Default
  public int uid() {
    return 0;
  }

  /** Group id the command runs as ({@code process.user.gid}). */
  @Value.Default
  public int gid() {
    return 0;
  }

  /** Where stdin comes from. */
  @Value.Default
  public Stdio stdin() {
    return Stdio.PIPE;
  }

  /** Where stdout goes. */
  @Value.Default
  public Stdio stdout() {
    return Stdio.PIPE;
  }

  /** Where stderr goes. */
  @Value.Default
  public Stdio stderr() {
    return Stdio.PIPE;
  }

  /** Whether the command gets a pseudo-terminal (stdin and stdout must then be INHERIT). */
  @Value.Default
  public boolean tty() {
    return false;
  }

  /** The checks every process spec passes; {@code owner} names it in errors (e.g. "container 'x'"). */
  void checkProcess(String owner) {
    checkProcess(owner, true);
  }

  /** As {@link #checkProcess(String)}; {@code commandRequired} false lets the command come later (from an image). */
  void checkProcess(String owner, boolean commandRequired) {
    if (commandRequired && args().isEmpty()) {
      throw new InvalidSpecException(owner + " has no command: call .command(\"sh\", \"-c\", \"...\")");
    }
    if (!cwd().startsWith("/")) {
      throw new InvalidSpecException("cwd '" + cwd() + "' is not absolute: write it as /" + cwd());
    }
    if (cwd().equals("/proc") || cwd().startsWith("/proc/")) {
      // runc's CVE-2024-21626: a cwd through /proc/self/fd/N reaches whatever that descriptor is.
      throw new InvalidSpecException("cwd '" + cwd() + "' is under /proc, where a working directory can lead to a "
          + "file descriptor's target outside the container: use a directory of the image");
    }
    if (uid() < 0 || gid() < 0) {
      throw new InvalidSpecException("uid " + uid() + " / gid " + gid() + " must not be negative");
    }
    if (stdin() == Stdio.LOG) {
      throw new InvalidSpecException(owner + ": stdin cannot be Stdio.LOG (a log is output): use PIPE, INHERIT or DISCARD");
    }
    if (tty() && (stdin() != Stdio.INHERIT || stdout() != Stdio.INHERIT)) {
      throw new InvalidSpecException("tty(true) needs stdin and stdout set to Stdio.INHERIT");
    }
    for (String key : env().keySet()) {
      if (key.isEmpty() || key.contains("=") || key.indexOf('\0') >= 0) {
        throw new InvalidSpecException("environment variable name '" + key + "' is not valid");
      }
    }
  }
}
