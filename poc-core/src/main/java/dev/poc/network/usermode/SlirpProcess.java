package dev.poc.network.usermode;

import dev.poc.StartFailedException;
import dev.poc.host.Tool;
import dev.poc.launch.PidHandle;
import dev.poc.state.RunState;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One container's slirp4netns and the watcher that ends it with the container's init. Both run in
 * a session of their own (a Ctrl-C to the JVM's terminal does not reach them) with the run
 * directory as their working directory, which is how {@link #reclaim} recognises them by pid.
 *
 * <p>The watcher ({@code pidwait -F}, which waits on a pidfd; else {@code tail --pid}, which polls
 * once a second) writes into the pipe slirp4netns reads as its {@code --exit-fd}: when the init is
 * gone the watcher exits, the pipe closes, and slirp4netns quits, whoever else is still alive.
 */
final class SlirpProcess {
  private static final Logger LOG = LoggerFactory.getLogger(SlirpProcess.class);
  static final String PID_FILE = "slirp4netns.pid";
  static final String WATCHER_FILE = "slirp4netns.watcher";
  static final String INIT_FILE = "slirp4netns.init";
  static final String LOG_FILE = "slirp4netns.log";
  static final String SOCKET = "slirp4netns.sock";
  /** Where the socket is when the run directory's path is too long for a unix socket address. */
  static final String SOCKET_DIR_FILE = "slirp4netns.sockdir";
  /** sun_path holds 108 bytes with the terminating NUL; leave a margin. */
  private static final int MAX_SOCKET_PATH = 100;
  private static final int SIGTERM = 15;
  private static final int SIGKILL = 9;
  private static final long PF_EXITING = 0x4;
  private static final String INSTALL_HINT = "install the Debian package slirp4netns (apt-get install slirp4netns)";

  /**
   * Run by {@code sh -c} in the run directory with slirp4netns's command line as its arguments:
   * the watcher feeds slirp4netns's stdin (its exit descriptor), slirp4netns's chatter goes to the
   * log, and its readiness byte to {@code head}, which hands it on to the JVM's pipe. The shell
   * leaves once slirp4netns is ready or gone.
   *
   * <p>Why not give slirp4netns the JVM's pipe itself and leave at once: when the shell exits, the
   * JVM's process reaper swaps the shell's stdout for what the pipe holds at that instant, so a
   * byte slirp4netns writes a moment later, before the reading thread has blocked in read(), is
   * lost and read() says end of stream (about one start in a hundred, under load).
   */
  private static final String SCRIPT = "{ sh -c 'echo $$ > " + WATCHER_FILE
      + "; if command -v pidwait >/dev/null 2>&1; then exec pidwait -F " + INIT_FILE
      + "; fi; exec tail -s 1 --pid=\"$(cat " + INIT_FILE + ")\" -f /dev/null' </dev/null 2>>" + LOG_FILE
      + " | \"$@\" 3>&1 >>" + LOG_FILE + " 2>&1 & echo $! > " + PID_FILE + "; } | head -c 1";

  private final int pid;
  private final SlirpApi api;

  private SlirpProcess(int pid, SlirpApi api) {
    this.pid = pid;
    this.api = api;
  }

  int pid() {
    return pid;
  }

  /** The API socket; only a start with published ports has one. */
  SlirpApi api() {
    if (api == null) {
      throw new IllegalStateException("slirp4netns " + pid + " was started without an API socket");
    }
    return api;
  }

  /** {@code program}, or slirp4netns from the PATH; fails naming the tool and its package. */
  static Path locate(Path program, String container) {
    if (program != null) {
      if (Files.isExecutable(program) && !Files.isDirectory(program)) {
        return program;
      }
      throw new StartFailedException("the user-mode network of container '" + container + "' needs slirp4netns, but "
          + program + " is missing or not executable: " + INSTALL_HINT + " or give its path to UserModeNetwork");
    }
    return Tool.locate("slirp4netns").orElseThrow(() -> new StartFailedException("the user-mode network of container '"
        + container + "' needs slirp4netns, which is not on the PATH (" + System.getenv("PATH") + "): " + INSTALL_HINT));
  }

  /**
   * Starts slirp4netns on the network namespace of {@code initPid} and waits until it has
   * configured {@link UserModeNetwork#INTERFACE} there. On failure nothing of it is left.
   */
  static SlirpProcess start(Path tool, Path runDir, String container, int initPid, boolean hostLoopback,
      boolean withApi) throws IOException {
    Files.writeString(runDir.resolve(INIT_FILE), initPid + "\n");
    Path socket = withApi ? socketPath(runDir) : null;
    List<String> cmd = new ArrayList<>(
        List.of(tool.toString(), "--configure", "--mtu=65520", "--exit-fd=0", "--ready-fd=3"));
    if (!hostLoopback) {
      cmd.add("--disable-host-loopback");
    }
    if (socket != null) {
      cmd.add("--api-socket=" + socket);
    }
    cmd.add(Integer.toString(initPid));
    cmd.add(UserModeNetwork.INTERFACE);
    Path log = runDir.resolve(LOG_FILE);
    int ready;
    Process shell = launch(cmd, runDir);
    try (InputStream in = shell.getInputStream()) {
      ready = in.read(); // slirp4netns writes '1' once configured, or exits (end of stream)
      shell.waitFor(); // the shell left as soon as head had the byte or its end of stream
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      reclaim(runDir);
      throw new IOException("interrupted while slirp4netns configured the network of '" + container + "'", e);
    }
    if (ready != '1') {
      String said = tail(log);
      reclaim(runDir);
      throw new StartFailedException("slirp4netns (" + tool + ") ended before the network of container '" + container
          + "' was ready" + (said.isEmpty() ? "" : ": " + said) + remedy(said));
    }
    return new SlirpProcess(readPid(runDir.resolve(PID_FILE)), socket == null ? null : new SlirpApi(socket));
  }

  /**
   * Starts {@link #SCRIPT} in {@code runDir} on {@code slirpCommand} (the tool and its arguments);
   * the shell's stdout carries the readiness byte, or ends if slirp4netns ends first.
   */
  static Process launch(List<String> slirpCommand, Path runDir) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("setsid", "/bin/sh", "-c", SCRIPT, "sh"));
    cmd.addAll(slirpCommand);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(runDir.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectError(ProcessBuilder.Redirect.appendTo(runDir.resolve(LOG_FILE).toFile()));
    pb.environment().put("LC_ALL", "C");
    return pb.start();
  }

  /** What to do about the failures a user can fix. */
  private static String remedy(String said) {
    if (said.contains("/dev/net/tun")) {
      return ": the user needs read and write access to /dev/net/tun (mode 0666, as Debian's udev sets it)";
    }
    if (said.contains("setns") || said.contains("ns/user") || said.contains("ns/net")) {
      return ": slirp4netns must run as the user who owns the container's user namespace, or as root";
    }
    return "";
  }

  /** In the run directory, or, if that path is too long for a socket address, a private temporary directory. */
  private static Path socketPath(Path runDir) throws IOException {
    Path inRunDir = runDir.toAbsolutePath().resolve(SOCKET);
    if (inRunDir.toString().length() <= MAX_SOCKET_PATH) {
      return inRunDir;
    }
    Path dir = Files.createTempDirectory("poc-slirp-"); // 0700
    Files.writeString(runDir.resolve(SOCKET_DIR_FILE), dir + "\n");
    return dir.resolve(SOCKET);
  }

  /**
   * Ends the slirp4netns and the watcher of {@code runDir}, if they still run, and removes their
   * files. Idempotent; a pid is signalled only while its process works in {@code runDir}.
   */
  static void reclaim(Path runDir) {
    for (String file : List.of(PID_FILE, WATCHER_FILE)) {
      Path pidFile = runDir.resolve(file);
      try {
        if (Files.exists(pidFile)) {
          end(readPid(pidFile), runDir);
        }
      } catch (IOException | RuntimeException e) {
        LOG.warn("ending the process of {} failed: {}", pidFile, e.toString());
      }
    }
    try {
      Path sockDir = runDir.resolve(SOCKET_DIR_FILE);
      if (Files.exists(sockDir)) {
        Path dir = Path.of(Files.readString(sockDir).trim());
        Files.deleteIfExists(dir.resolve(SOCKET));
        Files.deleteIfExists(dir);
      }
      for (String file : List.of(SOCKET, PID_FILE, WATCHER_FILE, INIT_FILE, LOG_FILE, SOCKET_DIR_FILE)) {
        Files.deleteIfExists(runDir.resolve(file));
      }
    } catch (IOException e) {
      LOG.warn("removing the slirp4netns files of {} failed: {}", runDir, e.toString());
    }
  }

  /** SIGTERM, then SIGKILL if it lingers; returns once the process is gone. */
  private static void end(int pid, Path runDir) throws IOException {
    long started = RunState.startTime(pid);
    if (started < 0) {
      return; // gone
    }
    Optional<PidHandle> pinned = PidHandle.ifStartedAt(pid, started);
    if (pinned.isEmpty()) {
      return;
    }
    try (PidHandle h = pinned.get()) {
      if (!worksIn(pid, runDir)) {
        if (exiting(pid)) {
          awaitGone(pid, started, 500); // it ended with the container's init and is on its way out
        }
        return; // else the pid belongs to another process now
      }
      h.signal(SIGTERM);
      if (!awaitGone(pid, started, 200)) {
        h.signal(SIGKILL);
        awaitGone(pid, started, 500);
      }
    }
  }

  /**
   * Whether the process is already exiting (PF_EXITING in the flags of /proc/PID/stat): it has
   * given up its working directory but, tearing down its tap and sockets, not yet its pid.
   */
  private static boolean exiting(int pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      long flags = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[6]);
      return (flags & PF_EXITING) != 0;
    } catch (IOException | RuntimeException e) {
      return false; // gone
    }
  }

  private static boolean worksIn(int pid, Path runDir) {
    try {
      return Files.readSymbolicLink(Path.of("/proc/" + pid + "/cwd")).equals(runDir.toRealPath());
    } catch (IOException e) {
      return false;
    }
  }

  /** Waits (10 ms steps) until the process that started at {@code started} is gone or a zombie. */
  private static boolean awaitGone(int pid, long started, int steps) {
    for (int i = 0; i < steps; i++) {
      if (RunState.startTime(pid) != started) {
        return true;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  private static int readPid(Path file) throws IOException {
    String text = Files.readString(file).trim();
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new IOException(file + " holds no pid: '" + text + "'");
    }
  }

  /** The log's last lines, on one line. */
  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("; ", lines.subList(Math.max(0, lines.size() - 5), lines.size())).trim();
    } catch (IOException e) {
      return "";
    }
  }
}
