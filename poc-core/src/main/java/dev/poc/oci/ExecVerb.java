package dev.poc.oci;

import dev.poc.InvalidSpecException;
import dev.poc.launch.Console;
import dev.poc.launch.OciExec;
import dev.poc.state.RunState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code exec}: a process in a created or running container. It joins the init's namespaces and
 * cgroups, gets the capabilities its process says (else the container's), always no_new_privs, and
 * the container's seccomp filter. Not detached, poc-oci relays nothing it need not (pipes pass as
 * they are) and exits as the process did; detached, it writes the pid file and leaves the process
 * to the engine's shim, which reaps it.
 */
final class ExecVerb {
  private final StateDir state;
  private final Consumer<String> log;

  ExecVerb(StateDir state, Consumer<String> log) {
    this.state = state;
    this.log = log;
  }

  int run(String id, ExecProcess p, Path consoleSocket, Path pidFile, boolean detach) throws IOException {
    Record r = state.load(id);
    String status = state.status(r);
    if (status.equals("stopped")) {
      throw new InvalidSpecException("container '" + id + "' is not running: nothing to exec in");
    }
    if (status.equals("paused")) {
      throw new InvalidSpecException("container '" + id + "' is paused: resume it first (poc-oci resume " + id + ")");
    }
    if (consoleSocket != null && !p.tty()) {
      throw new InvalidSpecException("--console-socket " + consoleSocket + " was given, but the process has no terminal: "
          + "set process.terminal (or --tty), or drop --console-socket");
    }
    if (p.tty() && consoleSocket == null && detach) {
      throw new InvalidSpecException("a detached process with a terminal needs --console-socket for its pty master");
    }
    Map<String, Object> run = RunState.read(state.pocRoot().resolve("run").resolve(id)).orElseThrow(() ->
        new InvalidSpecException("container '" + id + "' has no run record under " + state.pocRoot()
            + ": it is being deleted"));
    long containerCaps = run.get("capabilities") instanceof Number n ? n.longValue() : 0;
    Optional<String> seccomp = run.get("seccomp") instanceof String hex ? Optional.of(hex) : Optional.empty();
    Optional<Console> console = Optional.ofNullable(consoleSocket).map(s -> new Console(s, p.rows(), p.cols()));
    OciExec.Started started = OciExec.start(id, new OciExec.Request(r.pid(), p.args(), p.env(), p.cwd(), p.uid(),
        p.gid(), p.groups(), p.capabilities().orElse(containerCaps), seccomp, p.tty(), console, p.rlimits(), detach));
    if (p.oomScoreAdj().isPresent()) {
      try {
        Files.writeString(Path.of("/proc", Integer.toString(started.pid()), "oom_score_adj"),
            Integer.toString(p.oomScoreAdj().getAsInt()));
      } catch (IOException e) {
        log.accept("exec in '" + id + "': process.oomScoreAdj not set: " + e.getMessage() + " (the process has ended)");
      }
    }
    if (pidFile != null) {
      OciRuntime.writePidFile(pidFile, started.pid());
    }
    if (detach) {
      return 0;
    }
    return started.awaitEnd().code(); // 128 + N for signal N, as a shell reports it
  }
}
