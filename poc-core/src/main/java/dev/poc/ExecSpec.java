package dev.poc;

import java.util.ArrayList;
import java.util.List;
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
public abstract class ExecSpec extends ProcessSpec {

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
    checkProcess("exec");
    if (stdout() == Stdio.LOG || stderr() == Stdio.LOG) {
      throw new InvalidSpecException("exec of " + args() + ": Stdio.LOG is a container's own log, an exec'd command "
          + "has none: use PIPE (the default), INHERIT or DISCARD");
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
