package dev.poc.cli;

import dev.poc.Check;
import dev.poc.Container;
import dev.poc.ContainerRuntime;
import dev.poc.PocSettings;
import dev.poc.ContainerSpec;
import dev.poc.InvalidSpecException;
import dev.poc.Network;
import dev.poc.PocException;
import dev.poc.Rootfs;
import dev.poc.Stdio;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;

/**
 * {@code poc run} and {@code poc ps} in their plain forms, without picocli: the words are read by
 * hand and the commands do exactly what {@link RunCommand} and {@link PsCommand} do with them.
 * Whatever this class does not recognise — another option, a misspelled mode, a spec the runtime
 * refuses — it leaves to picocli (it returns empty before anything was started), so the grammar,
 * help and usage errors stay picocli's alone.
 *
 * <p>Known forms: {@code [--state-root DIR] run [--host-rootfs | --rootfs DIR] [-T|--no-tty]
 * [--state-root DIR] MODE NAME CMD...} with CMD not starting with a dash, and
 * {@code [--state-root DIR] ps [-q|--quiet] [--state-root DIR]}.
 */
final class QuickCommands {
  private QuickCommands() {}

  /** The exit status of a command run here, or empty when picocli must run it. */
  static OptionalInt run(String[] args) {
    return run(args, Caller.self());
  }

  /** {@link #run(String[])} for {@code caller}: its streams, environment and directory, not this process's. */
  static OptionalInt run(String[] args, Caller caller) {
    Args words = new Args(args, caller);
    if (!words.stateRootOptions() || !words.hasNext()) {
      return OptionalInt.empty();
    }
    return switch (words.next()) {
      case "run" -> run(words, caller);
      case "ps" -> ps(words, caller);
      default -> OptionalInt.empty();
    };
  }

  /** The state root: {@code option} when given, else $POC_STATE_ROOT, else the seed's directory. */
  static Path stateRoot(Path option) {
    return option != null ? option : PocSettings.stateRoot();
  }

  /** The CLI's runtime on {@code stateRoot}, with the network settings of the environment. */
  static ContainerRuntime open(Path stateRoot) {
    return ContainerRuntime.builder().stateRoot(stateRoot).network(NetworkEnv.settings(System.getenv())).build();
  }

  /**
   * The caller's runtime on {@code stateRoot} (null: the one its settings name, a relative one against
   * the caller's directory, never the server's), with its network settings.
   */
  private static ContainerRuntime open(Path stateRoot, Caller caller) {
    Path root = stateRoot != null ? stateRoot
        : caller.resolve(PocSettings.stateRoot(caller.properties(), caller.env()).toString());
    return caller.runtimes().open(root, PocSettings.network(caller.properties(), caller.env()));
  }

  private static OptionalInt run(Args words, Caller caller) {
    boolean host = false;
    Path directory = null;
    boolean noTty = false;
    while (words.hasNext() && words.peek().startsWith("-")) {
      String option = words.next();
      if (option.equals("--host-rootfs") && !host) {
        host = true;
      } else if ((option.equals("--rootfs") || option.startsWith("--rootfs=")) && directory == null) {
        String dir = words.value(option, "--rootfs");
        if (dir == null) {
          return OptionalInt.empty();
        }
        directory = caller.resolve(dir);
      } else if ((option.equals("-T") || option.equals("--no-tty")) && !noTty) {
        noTty = true;
      } else if (!words.stateRootOption(option)) {
        return OptionalInt.empty();
      }
    }
    if (host && directory != null || words.remaining() < 3) {
      return OptionalInt.empty();
    }
    String mode = words.next();
    String name = words.next();
    List<String> command = words.rest();
    if (name.startsWith("-") || command.get(0).startsWith("-")) {
      return OptionalInt.empty(); // picocli would read an option there
    }
    Network network;
    try {
      network = Network.fromCliName(mode);
    } catch (InvalidSpecException e) {
      return OptionalInt.empty();
    }
    Rootfs rootfs = host ? Rootfs.host() : directory != null ? Rootfs.directory(directory) : Rootfs.disk(name);
    try {
      Check ready = network.check(); // before anything is made, as RunCommand does
      if (!ready.ok()) {
        throw new PocException(ready.name() + " " + ready.problem());
      }
      ContainerRuntime runtime = open(words.stateRoot, caller);
      try {
        Container c;
        try {
          ContainerSpec.Builder b = runtime.container().name(name).command(command).network(network).rootfs(rootfs);
          b.stdin(Stdio.INHERIT).stdout(Stdio.INHERIT).stderr(Stdio.INHERIT).tty(!noTty && caller.interactive());
          c = caller.spawner() == null ? b.start()
              : dev.poc.internal.Access.api().start(runtime, b.build(), caller.spawner());
        } catch (InvalidSpecException e) {
          return OptionalInt.empty(); // a usage error, which picocli reports with the synopsis
        }
        caller.onStart().accept(c);
        int code = ContainerEnd.await(c, caller.err());
        // its cgroups, netns name and run dir, released in this thread if not yet (the server's
        // command ends with its container released, as the JVM CLI's does when its runtime closes)
        c.stop(java.time.Duration.ZERO);
        return OptionalInt.of(code);
      } finally {
        caller.runtimes().done(runtime);
      }
    } catch (Exception e) {
      return OptionalInt.of(Failures.report("run", e, new PrintWriter(caller.err(), true)));
    }
  }

  private static OptionalInt ps(Args words, Caller caller) {
    boolean quiet = false;
    while (words.hasNext()) {
      String option = words.next();
      if ((option.equals("-q") || option.equals("--quiet")) && !quiet) {
        quiet = true;
      } else if (!words.stateRootOption(option)) {
        return OptionalInt.empty();
      }
    }
    try {
      ContainerRuntime runtime = open(words.stateRoot, caller);
      try {
        PsTable.print(runtime, quiet, false, caller.out());
        caller.out().flush();
        return OptionalInt.of(0);
      } finally {
        caller.runtimes().done(runtime);
      }
    } catch (Exception e) {
      return OptionalInt.of(Failures.report("ps", e, new PrintWriter(caller.err(), true)));
    }
  }

  /** The arguments, read left to right, and the one option every command takes. */
  private static final class Args {
    private final String[] args;
    private final Caller caller;
    private int next;
    Path stateRoot;
    private boolean stateRootSeen;

    Args(String[] args, Caller caller) {
      this.args = args;
      this.caller = caller;
    }

    boolean hasNext() {
      return next < args.length;
    }

    int remaining() {
      return args.length - next;
    }

    String peek() {
      return args[next];
    }

    String next() {
      return args[next++];
    }

    List<String> rest() {
      List<String> rest = Arrays.asList(Arrays.copyOfRange(args, next, args.length));
      next = args.length;
      return rest;
    }

    /** Reads the {@code --state-root} options before the command; false when one is malformed. */
    boolean stateRootOptions() {
      while (hasNext() && peek().startsWith("--state-root")) {
        if (!stateRootOption(next())) {
          return false;
        }
      }
      return true;
    }

    /** Takes {@code option} if it is the first {@code --state-root DIR} or {@code --state-root=DIR}. */
    boolean stateRootOption(String option) {
      if (stateRootSeen || !(option.equals("--state-root") || option.startsWith("--state-root="))) {
        return false;
      }
      String dir = value(option, "--state-root");
      if (dir == null) {
        return false;
      }
      stateRoot = caller.resolve(dir);
      stateRootSeen = true;
      return true;
    }

    /** The value of {@code option} (named {@code name}): after its '=', or the next word; null when missing. */
    String value(String option, String name) {
      if (option.length() > name.length()) {
        String v = option.substring(name.length() + 1);
        return v.isEmpty() ? null : v;
      }
      if (!hasNext() || peek().startsWith("-")) {
        return null;
      }
      return next();
    }
  }
}
