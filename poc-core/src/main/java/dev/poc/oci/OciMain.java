package dev.poc.oci;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.poc.InvalidSpecException;
import dev.poc.launch.InitSpawner;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;

/**
 * {@code poc-oci}: the command line of the OCI runtime spec, as runc has it, so containerd's shim,
 * Docker and podman can call poc unchanged. A small hand parser: the engines pass a fixed set of
 * flags, and a JVM that starts four times per container should load as little as it can.
 *
 * <p>Exit status: the verb's (0), 1 for an error (written to stderr and, with {@code --log}, to
 * that file as the engines read it), 2 for a usage error; {@code run} exits as the container.
 */
public final class OciMain {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Path root = StateDir.DEFAULT_ROOT;
  private Path logFile;
  private boolean jsonLog;
  private boolean debug;
  /** Where errors (and, with --debug, warnings and traces) go: stderr, or the create server's answer. */
  private final PrintStream err;
  /** What relative paths are relative to: the caller's directory (null: this process's). */
  private final Path cwd;
  /** Who starts poc-init for create: null for this JVM, else the create server's caller. */
  private final InitSpawner spawner;

  private OciMain(PrintStream err, Path cwd, InitSpawner spawner) {
    this.err = err;
    this.cwd = cwd;
    this.spawner = spawner;
  }

  public static void main(String[] argv) {
    System.exit(call(argv));
  }

  /** One call of poc-oci in this JVM: its exit status. */
  static int call(String... argv) {
    return new OciMain(System.err, null, null).run(new ArrayDeque<>(List.of(argv)));
  }

  /**
   * One {@code create} for the create server ({@link OciServer}): its caller's arguments, relative
   * paths resolved against the caller's directory {@code cwd}, errors written to {@code err}, and
   * poc-init started by {@code spawner}. Any other verb is refused (the caller's front sends none).
   */
  static int serveCreate(List<String> argv, Path cwd, PrintStream err, InitSpawner spawner) {
    return new OciMain(err, cwd, spawner).run(new ArrayDeque<>(argv));
  }

  /**
   * Undoes a create the server made for a caller that has gone before hearing of it (an engine
   * that gave up on it, say): {@code delete --force} of the same id under the same root, so no
   * container is left that nobody knows of. Errors go to {@code err}; returns delete's status.
   */
  static int undoCreate(List<String> argv, Path cwd, PrintStream err) {
    OciMain main = new OciMain(err, cwd, null);
    Deque<String> args = new ArrayDeque<>(argv);
    try {
      String verb = main.globals(args);
      if (!"create".equals(verb)) {
        return 0;
      }
      String id = Flags.parse(verb, args, main::path).id();
      new OciRuntime(new StateDir(main.root), main::warn).delete(id, true);
      return 0;
    } catch (IOException | RuntimeException e) {
      main.error("undoing the create of a caller that has gone: " + e.getMessage());
      return 1;
    }
  }

  private Path path(String text) {
    return cwd == null ? Path.of(text) : cwd.resolve(text);
  }

  int run(Deque<String> args) {
    try {
      String verb = globals(args);
      if (verb == null) {
        return 0;
      }
      return verb(verb, args);
    } catch (UsageException e) {
      error(e.getMessage() + " (poc-oci --help lists the verbs and flags)");
      return 2;
    } catch (IOException | RuntimeException e) {
      error(e.getMessage() != null ? e.getMessage() : e.toString());
      if (debug) {
        e.printStackTrace(err);
      }
      return 1;
    }
  }

  /** Reads the global flags; returns the verb, or null when a flag (--version, --help) answered. */
  private String globals(Deque<String> args) throws IOException {
    while (!args.isEmpty() && args.peek().startsWith("-")) {
      String flag = args.pop();
      String value = null;
      int eq = flag.indexOf('=');
      if (eq > 0) {
        value = flag.substring(eq + 1);
        flag = flag.substring(0, eq);
      }
      switch (flag) {
        case "--root" -> root = path(value(flag, value, args));
        case "--log" -> logFile = path(value(flag, value, args));
        case "--log-format" -> {
          String f = value(flag, value, args);
          if (!f.equals("json") && !f.equals("text")) {
            throw new UsageException("--log-format is '" + f + "': use json or text");
          }
          jsonLog = f.equals("json");
        }
        case "--debug" -> debug = true;
        case "--systemd-cgroup" -> throw new InvalidSpecException(
            "--systemd-cgroup is not supported: poc manages cgroupfs itself; configure the engine with the cgroupfs "
                + "driver (Docker: --exec-opt native.cgroupdriver=cgroupfs; containerd: SystemdCgroup = false)");
        case "--version", "-v", "--help", "-h" -> {
          if (spawner != null) {
            throw new UsageException("the create server answers create only, not " + flag);
          }
          System.out.print(flag.equals("--help") || flag.equals("-h") ? USAGE : Version.lines());
          return null;
        }
        default -> throw new UsageException("unknown global flag " + flag);
      }
    }
    if (args.isEmpty() && spawner != null) {
      throw new UsageException("the create server answers create only, and was sent no verb");
    }
    if (args.isEmpty()) {
      System.out.print(USAGE);
      return null;
    }
    return args.pop();
  }

  private int verb(String verb, Deque<String> args) throws IOException {
    if (spawner != null && !verb.equals("create")) {
      throw new UsageException("the create server answers create only, not " + verb);
    }
    OciRuntime oci = new OciRuntime(new StateDir(root), this::warn);
    Flags f = Flags.parse(verb, args, this::path);
    switch (verb) {
      case "create" -> {
        oci.create(f.id(), f.bundle(), f.pidFile, f.consoleSocket(), f.preserveFds(), spawner);
        return 0;
      }
      case "start" -> {
        oci.start(f.id());
        return 0;
      }
      case "run" -> {
        return new RunVerb(oci).run(f.id(), f.bundle(), f.pidFile, f.consoleSocket(), f.preserveFds(), f.detach);
      }
      case "exec" -> {
        f.refuseUnsupportedCreateFlags();
        String id = f.id();
        f.ignored.forEach(flag -> warn("exec " + flag + " is ignored: poc applies neither AppArmor nor SELinux labels"));
        ExecProcess process = f.process != null
            ? ExecProcess.read(readJson(f.process), f.process.toString(), this::warn)
            : ExecProcess.ofFlags(f.operands.subList(1, f.operands.size()), f.env, f.cwd, f.tty, f.user);
        return new ExecVerb(new StateDir(root), this::warn).run(id, process, f.consoleSocket(), f.pidFile, f.detach);
      }
      case "ps" -> {
        ps(oci, f);
        return 0;
      }
      case "pause" -> {
        oci.pause(f.id());
        return 0;
      }
      case "resume" -> {
        oci.resume(f.id());
        return 0;
      }
      case "state" -> {
        System.out.println(StateDir.render(oci.state(f.id())));
        return 0;
      }
      case "kill" -> {
        String id = f.id();
        oci.kill(id, signal(f.operands.size() > 1 ? f.operands.get(1) : "TERM"), f.all);
        return 0;
      }
      case "delete" -> {
        oci.delete(f.id(), f.force);
        return 0;
      }
      case "list" -> {
        list(oci, f);
        return 0;
      }
      case "features" -> {
        System.out.println(JSON.enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(Features.document()));
        return 0;
      }
      case "update", "checkpoint", "restore", "events", "spec" -> throw new InvalidSpecException(
          "poc-oci " + verb + " is not supported yet (supported: create, start, state, kill, delete, run, exec, ps, "
              + "pause, resume, list, features)");
      default -> throw new UsageException("unknown verb '" + verb + "'");
    }
  }

  private void list(OciRuntime oci, Flags f) throws IOException {
    List<Record> all = oci.list();
    if (f.quiet) {
      all.forEach(r -> System.out.println(r.id()));
    } else if ("json".equals(f.format)) {
      ArrayNode out = JSON.createArrayNode();
      StateDir state = new StateDir(root);
      all.forEach(r -> out.add(state.state(r)));
      System.out.println(out);
    } else {
      System.out.printf("%-20s %-8s %-10s %-40s %s%n", "ID", "PID", "STATUS", "BUNDLE", "CREATED");
      for (Record r : all) {
        String status = oci.status(r);
        System.out.printf("%-20s %-8d %-10s %-40s %s%n", r.id(), status.equals("stopped") ? 0 : r.pid(), status,
            r.bundle(), r.created());
      }
    }
  }

  /** {@code ps}: the container's pids as JSON, or the host's ps lines of them (its arguments after the id). */
  private void ps(OciRuntime oci, Flags f) throws IOException {
    String id = f.id();
    List<Integer> pids = oci.pids(id);
    if ("json".equals(f.format)) {
      System.out.println(pids);
      return;
    }
    if (f.format != null && !f.format.equals("table")) {
      throw new UsageException("ps --format is '" + f.format + "': use table or json");
    }
    List<String> args = f.operands.size() > 1 ? f.operands.subList(1, f.operands.size()) : List.of("-ef");
    System.out.print(PsTable.filter(args, pids));
  }

  private static com.fasterxml.jackson.databind.JsonNode readJson(Path file) {
    try {
      return JSON.readTree(Files.readString(file));
    } catch (IOException e) {
      throw new InvalidSpecException("cannot read the process file " + file + ": " + e.getMessage());
    }
  }

  /** KILL, SIGKILL, 9, kill: a signal number. */
  static int signal(String text) {
    if (text.chars().allMatch(Character::isDigit)) {
      return Integer.parseInt(text);
    }
    String name = text.toUpperCase(Locale.ROOT);
    if (name.startsWith("SIG")) {
      name = name.substring(3);
    }
    try {
      return jnr.constants.platform.Signal.valueOf("SIG" + name).intValue();
    } catch (IllegalArgumentException e) {
      throw new InvalidSpecException("'" + text + "' is not a signal: give a name like TERM or SIGKILL, or a number");
    }
  }

  private static String value(String flag, String inline, Deque<String> args) {
    if (inline != null) {
      return inline;
    }
    if (args.isEmpty()) {
      throw new UsageException(flag + " needs a value");
    }
    return args.pop();
  }

  private void error(String message) {
    err.println("poc-oci: " + message);
    logLine("error", message);
  }

  private void warn(String message) {
    logLine("warning", message);
    if (debug) {
      err.println("poc-oci: " + message);
    }
  }

  /** One line of --log, as runc writes it: JSON {level, msg, time} or text. */
  private void logLine(String level, String message) {
    if (logFile == null) {
      return;
    }
    String line;
    if (jsonLog) {
      var node = JSON.createObjectNode().put("level", level).put("msg", message).put("time", Instant.now().toString());
      line = node.toString();
    } else {
      line = Instant.now() + " " + level + " " + message;
    }
    try {
      Files.writeString(logFile, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      err.println("poc-oci: cannot write the log " + logFile + ": " + e.getMessage());
    }
  }

  /** The flags of one verb and its operands (the id, then a signal for kill). */
  static final class Flags {
    final String verb;
    final List<String> operands = new java.util.ArrayList<>();
    final java.util.function.Function<String, Path> paths;
    Path bundle;
    Path pidFile;
    String consoleSocket;
    int preserveFds;
    boolean force;
    boolean all;
    boolean detach;
    boolean quiet;
    String format;
    Path process;
    boolean tty;
    String cwd;
    String user;
    final List<String> env = new java.util.ArrayList<>();
    /** Flags poc takes but does not apply, for the log. */
    final List<String> ignored = new java.util.ArrayList<>();

    private Flags(String verb, java.util.function.Function<String, Path> paths) {
      this.verb = verb;
      this.paths = paths;
      this.bundle = paths.apply(".");
    }

    static Flags parse(String verb, Deque<String> args) {
      return parse(verb, args, Path::of);
    }

    /** {@code paths}: a path operand as given, resolved against the caller's directory. */
    static Flags parse(String verb, Deque<String> args, java.util.function.Function<String, Path> paths) {
      Flags f = new Flags(verb, paths);
      while (!args.isEmpty()) {
        String a = args.pop();
        if ((verb.equals("exec") || verb.equals("ps")) && !f.operands.isEmpty()) {
          f.operands.add(a); // after the id: the command (exec) or ps's own options, as they are
          continue;
        }
        if (a.equals("--")) {
          f.operands.addAll(args);
          args.clear();
          continue;
        }
        if (!a.startsWith("-") || a.equals("-")) {
          f.operands.add(a);
          continue;
        }
        String value = null;
        int eq = a.indexOf('=');
        if (eq > 0) {
          value = a.substring(eq + 1);
          a = a.substring(0, eq);
        }
        switch (a) {
          case "--bundle", "-b" -> f.bundle = paths.apply(value(a, value, args));
          case "--pid-file" -> f.pidFile = paths.apply(value(a, value, args));
          case "--console-socket" -> f.consoleSocket = value(a, value, args);
          case "--preserve-fds" -> f.preserveFds = Integer.parseInt(value(a, value, args));
          case "--no-pivot", "--no-new-keyring" -> { } // poc always pivots; it makes no session keyring
          case "--force", "-f" -> {
            if (verb.equals("list") || verb.equals("ps")) {
              f.format = value(a, value, args);
            } else {
              f.force = true;
            }
          }
          case "--format" -> f.format = value(a, value, args);
          case "--all", "-a" -> f.all = true;
          case "--detach", "-d" -> f.detach = true;
          case "--quiet", "-q" -> f.quiet = true;
          case "--process", "-p" -> f.process = paths.apply(value(a, value, args));
          case "--tty", "-t" -> f.tty = true;
          case "--cwd" -> f.cwd = value(a, value, args);
          case "--env", "-e" -> f.env.add(value(a, value, args));
          case "--user", "-u" -> f.user = value(a, value, args);
          case "--no-new-privs", "--ignore-paused" -> { } // poc always sets no_new_privs
          case "--apparmor", "--process-label" -> f.ignored.add(a + " " + value(a, value, args));
          default -> throw new UsageException(verb + ": unknown flag " + a);
        }
      }
      return f;
    }

    String id() {
      if (operands.isEmpty()) {
        throw new UsageException(verb + " needs the container's id");
      }
      return operands.get(0);
    }

    Path bundle() {
      return bundle.toAbsolutePath();
    }

    /** --console-socket, as an absolute path (an engine's is; the helper connects from elsewhere). */
    Path consoleSocket() {
      return consoleSocket == null ? null : paths.apply(consoleSocket).toAbsolutePath();
    }

    /** --preserve-fds, checked: poc-init carries at most 64. */
    int preserveFds() {
      if (preserveFds < 0 || preserveFds > 64) {
        throw new InvalidSpecException("--preserve-fds " + preserveFds + " is out of range: poc passes 0 to 64 fds");
      }
      return preserveFds;
    }

    void refuseUnsupportedCreateFlags() {
      if (preserveFds > 0) {
        throw new InvalidSpecException("exec --preserve-fds " + preserveFds + " is not supported yet: create and run take it");
      }
    }
  }

  /** A mistake on the command line. */
  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }

  private static final String USAGE = """
      poc-oci: poc as an OCI runtime (the runtime-spec command line, as runc has it)

      usage: poc-oci [--root DIR] [--log FILE] [--log-format json|text] [--debug] VERB ...

        create [--bundle DIR] [--pid-file F] [--console-socket S] ID   the container, waiting for start
        start ID                                  exec its command
        run [--bundle DIR] [--pid-file F] [--console-socket S] [--detach] ID   create, start, and wait (exit: the container's)
        exec [--process FILE] [--detach] [--pid-file F] [--console-socket S] [--tty] [--cwd D] [--env K=V]...
             [--user UID[:GID]] ID [CMD...]       a process in the running container (exit: its own unless detached)
        ps [--format table|json] ID [PS-OPTIONS]  its processes (table: the host's ps -ef lines of them)
        pause ID | resume ID                      freeze and thaw its cgroup
        state ID                                  the spec's state JSON
        kill [--all] ID [SIGNAL]                  signal it (TERM unless given)
        delete [--force] ID                       remove it (--force: even when running)
        list [--format table|json] [--quiet]      every container under --root
        features                                  what this runtime supports, as JSON
        --version

      State lives under --root (default /run/poc-oci).
      """;

  static {
    // the PrintStream of a JVM started by an engine may default to ASCII
    System.setOut(new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8));
  }
}
