package dev.poc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.immutables.value.Value;

/**
 * A command to run inside a container that is already running, like {@code docker exec}: it joins
 * the container's namespaces and cgroups and runs with the same dropped privileges as the
 * container's own command. Its environment is PATH, HOSTNAME, HOME (and TERM with a tty) plus
 * {@link #env()}; the container's own variables are not copied.
 *
 * <pre>{@code
 * try (ContainerProcess p = container.exec(ExecSpec.builder().command("cat", "/etc/hostname").build())) {
 *   String out = new String(p.stdout().readAllBytes());
 * }
 * }</pre>
 */
@Value.Immutable
public abstract class ExecSpec {

  /** The command and its arguments. */
  public abstract List<String> args();

  /** Environment variables added to the defaults. */
  public abstract Map<String, String> env();

  /** Working directory inside the container. */
  @Value.Default
  public String cwd() {
    return "/";
  }

  /** User id the command runs as. */
  @Value.Default
  public int uid() {
    return 0;
  }

  /** Group id the command runs as. */
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

  /** Whether the command gets a pseudo-terminal (stdin and stdout must be INHERIT). */
  @Value.Default
  public boolean tty() {
    return false;
  }

  /** A spec of {@code command} with pipes for its streams. */
  public static ExecSpec of(String... command) {
    return builder().command(command).build();
  }

  /** A builder of exec specs. */
  public static Builder builder() {
    return new Builder();
  }

  @Value.Check
  void check() {
    if (args().isEmpty()) {
      throw new InvalidSpecException("exec has no command: call .command(\"sh\", \"-c\", \"...\")");
    }
    if (!cwd().startsWith("/")) {
      throw new InvalidSpecException("exec cwd '" + cwd() + "' is not absolute: write it as /" + cwd());
    }
    if (tty() && (stdin() != Stdio.INHERIT || stdout() != Stdio.INHERIT)) {
      throw new InvalidSpecException("exec with tty(true) needs stdin and stdout set to Stdio.INHERIT");
    }
  }

  /** A builder of an {@link ExecSpec}, with {@link #command(String...)} beside the generated setters. */
  public static class Builder extends ImmutableExecSpec.Builder {
    Builder() {}

    /** The command and its arguments. */
    public Builder command(String... args) {
      args(List.of(args));
      return this;
    }

    /** The command and its arguments. */
    public Builder command(List<String> args) {
      args(new ArrayList<>(args));
      return this;
    }
  }
}
