package dev.poc.cli;

import dev.poc.Container;
import dev.poc.PocSettings;
import dev.poc.front.FrontRequest;
import dev.poc.front.FrontServer;
import dev.poc.front.PeerView;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import jnr.unixsocket.UnixSocketChannel;

/**
 * {@code ./poc}'s CLI server: a warm JVM that runs the quick commands ({@link QuickCommands}:
 * {@code run} without a terminal, and {@code ps}) for the native front ({@code poc-front}), so that
 * such a command costs a connect instead of a JVM start. The front stays the caller's process: for
 * a run it starts poc-init itself when this server says SPAWN (its stdio, its child, and it dies with
 * the front: PR_SET_PDEATHSIG), and this server drives that helper over its control socket.
 *
 * <p>Usage: {@code CliServer SOCKET JAR} (./poc starts it). The socket, its lock and pid file, the
 * caller's uid, the idle exit ({@code POC_SERVER_IDLE} seconds, default 30) and the exit on a new
 * build of JAR are {@link FrontServer}'s. A caller is served only if, as this server reads it from
 * /proc through its pidfd ({@link PeerView}), it sees the host as this server does and may do what
 * it may; the environment must agree but for what a command reads per caller
 * ({@link #PER_CALLER}: the state root and network settings), which the command then takes from the
 * caller's environment as /proc shows it, never from this server's. Relative paths resolve against
 * the caller's directory, as /proc shows it.
 *
 * <p>Wire, after the request ({@link FrontRequest}, protocol {@value #PROTOCOL}): the server writes
 * {@code FALLBACK why} (nothing done: the front runs the JVM CLI), or, for a run, {@code SPAWN
 * BINARY SOCKET [IMAGE]}, answered {@code PID N} or {@code FAILED why} (as for poc-oci's create
 * server); then, while the container runs, the front may write {@code SIGNAL N} (it got SIGINT,
 * SIGTERM or SIGHUP: the container is stopped as the JVM CLI stops it at such a signal), and its
 * end of the socket closing stops the container at once. Last the server writes {@code EXIT CODE
 * OUT ERR} and that many bytes of stdout text, then of stderr text.
 */
public final class CliServer implements FrontServer.Handler {
  static final String PROTOCOL = "poc-cli 1";
  /** The variables a quick command reads from its caller; every other one must be the server's own. */
  static final Set<String> PER_CALLER = Set.of(PocSettings.STATE_ROOT_ENV, NetworkEnv.BRIDGE, NetworkEnv.BRIDGE_SUBNET,
      NetworkEnv.DEFAULT_SUBNET, NetworkEnv.CHAIN_PREFIX);
  private static final int SHUT_RD = 0;
  /** How long a container gets after SIGTERM when its caller got a signal: as the JVM CLI's shutdown gives. */
  private static final Duration SIGNAL_GRACE = Duration.ofSeconds(2);
  private final String identity;
  private final PeerView host;
  private final WarmRuntimes runtimes = new WarmRuntimes();

  private CliServer(String identity, PeerView host) {
    this.identity = identity;
    this.host = host;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: CliServer SOCKET JAR (./poc starts it; see README, \"The CLI server\")");
      System.exit(2);
    }
    long idle = FrontServer.idleNanos("POC_SERVER_IDLE", "poc.server.idle", "30");
    new FrontServer(Path.of(args[0]), "poc server", idle, new CliServer(FrontServer.identity(args[1]), PeerView.own())).serve();
  }

  /**
   * The part of an environment caller and server must agree on: PATH, XDG_RUNTIME_DIR (where a
   * rootless runtime keeps its host state), DOCKER_CONFIG, and POC_* but for {@link #PER_CALLER}
   * and the launchers' own plumbing (POC_SERVER*, POC_FRONT*, POC_LAUNCHER, POC_JAR, POC_JAVA*,
   * POC_STARTUP_CACHE, and poc-oci's POC_OCI_*).
   */
  static Map<String, String> comparedEnvironment(Map<String, String> env) {
    Map<String, String> out = new TreeMap<>();
    env.forEach((k, v) -> {
      boolean plumbing = k.startsWith("POC_SERVER") || k.startsWith("POC_FRONT") || k.equals("POC_LAUNCHER")
          || k.equals("POC_JAR") || k.startsWith("POC_JAVA") || k.equals("POC_STARTUP_CACHE") || k.startsWith("POC_OCI_");
      if (k.equals("PATH") || k.equals("XDG_RUNTIME_DIR") || k.equals("DOCKER_CONFIG")
          || (k.startsWith("POC_") && !plumbing && !PER_CALLER.contains(k))) {
        out.put(k, v);
      }
    });
    return out;
  }

  /** The variables that set a JVM's options or its loader: a caller with one runs in a JVM of its own. */
  static final List<String> JVM_OPTIONS = List.of("POC_JAVA_OPTS", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS",
      "JDK_JAVA_OPTIONS", "LD_PRELOAD", "LD_LIBRARY_PATH");

  /** Why {@code view}'s caller must run in the JVM CLI (null: this server may serve it). */
  static String ownJvm(PeerView view) {
    if (view.env().containsKey("POC_DEBUG")) {
      return "POC_DEBUG is set: the JVM CLI prints the details";
    }
    for (String v : JVM_OPTIONS) {
      if (view.env().containsKey(v)) {
        return v + " is set: this server's JVM does not run with the caller's options";
      }
    }
    return null;
  }

  @Override
  public void answer(UnixSocketChannel caller, InputStream in, OutputStream out, FrontServer server) throws IOException {
    FrontServer.Admitted admitted = server.admit(caller, in, out, PROTOCOL, identity, host, CliServer::comparedEnvironment,
        CliServer::ownJvm);
    if (admitted == null) {
      return;
    }
    FrontRequest request = admitted.request();
    PeerView view = admitted.view();
    Thread[] watcher = new Thread[1];
    ByteArrayOutputStream outText = new ByteArrayOutputStream();
    ByteArrayOutputStream errText = new ByteArrayOutputStream();
    OptionalInt code;
    try (PrintStream o = new PrintStream(outText, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(errText, true, StandardCharsets.UTF_8)) {
      Caller who = new Caller(o, e, view.env(), new java.util.Properties(), Path.of(view.cwd()), false,
          (binary, helperSocket, image) -> server.spawnByFront(caller, in, out, binary, helperSocket, image, "poc's front"),
          c -> watcher[0] = watch(c, in), runtimes);
      try {
        code = QuickCommands.run(request.argv().toArray(String[]::new), who);
      } catch (RuntimeException | Error failure) {
        e.println("poc: the CLI server failed: " + failure);
        code = OptionalInt.of(Poc.POC_ERROR);
      }
    }
    if (code.isEmpty()) {
      FrontServer.line(out, "FALLBACK a form the quick commands leave to picocli");
      return;
    }
    byte[] o = outText.toByteArray();
    byte[] e = errText.toByteArray();
    try {
      FrontServer.line(out, "EXIT " + code.getAsInt() + " " + o.length + " " + e.length);
      out.write(o);
      out.write(e);
      out.flush();
    } finally {
      if (watcher[0] != null) {
        // its read ends now (EOF), and it is gone before the connection is closed: a read of a closed
        // descriptor could be another caller's by then
        dev.poc.host.LibC.get().shutdown(caller.getFD(), SHUT_RD);
        try {
          watcher[0].join();
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /**
   * While {@code c} runs, reads the front's lines: SIGNAL stops the container as the JVM CLI stops it
   * when it gets that signal (SIGTERM, {@link #SIGNAL_GRACE}, SIGKILL); the end of the connection (the
   * front is gone, SIGKILL perhaps) stops it at once, which releases it. Ends with the connection
   * (the request's end shuts its reading side down and joins it).
   */
  private static Thread watch(Container c, InputStream in) {
    AtomicInteger stops = new AtomicInteger();
    Thread t = new Thread(() -> {
      try {
        for (;;) {
          String line = FrontServer.readLine(in, "the front has gone");
          if (line.startsWith("SIGNAL ") && stops.getAndIncrement() == 0) {
            Thread stop = new Thread(() -> c.stop(SIGNAL_GRACE), "poc server stop");
            stop.setDaemon(true);
            stop.start();
          }
        }
      } catch (IOException | RuntimeException gone) {
        c.stop(Duration.ZERO); // a container that ended already: nothing to do
      }
    }, "poc server caller");
    t.setDaemon(true);
    t.start();
    return t;
  }
}
