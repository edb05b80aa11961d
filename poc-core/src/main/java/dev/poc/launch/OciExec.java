package dev.poc.launch;

import dev.poc.ExitStatus;
import dev.poc.PocException;
import dev.poc.StartFailedException;
import dev.poc.Stdio;
import dev.poc.cgroup.CgroupMembership;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * OCI's {@code exec}: a process in a running container, as an engine asks for it (runc's
 * command line). Unlike {@link ExecLauncher}, the process is described in full by the caller
 * (its whole environment, its capabilities, its rlimits), its stdio is this JVM's own, passed as
 * it is, and with {@code detach} it is not ours to wait for: poc-init leaves once it runs, and the
 * engine's shim (a subreaper) adopts and reaps it.
 */
public final class OciExec {
  private OciExec() {}

  /** One rlimit: its resource number (RLIMIT_*), soft and hard values (-1: unlimited). */
  public record Rlimit(int resource, long soft, long hard) {}

  /**
   * What to run and how.
   *
   * @param initPid the host pid of the container's init, whose namespaces and cgroups it joins
   * @param args the command and its arguments
   * @param env the whole environment, NAME=VALUE
   * @param cwd the working directory inside the container
   * @param uid the user id
   * @param gid the group id
   * @param groups the additional group ids
   * @param capabilities the capability mask a root command keeps (the bounding set of any)
   * @param seccomp the filter (hex), the container's
   * @param tty whether it gets a pty
   * @param console where the pty master goes (with {@code tty}); empty: relayed to our stdio
   * @param rlimits its resource limits
   * @param detach whether to leave it running, adopted by our nearest subreaper
   */
  public record Request(int initPid, List<String> args, List<String> env, String cwd, int uid, int gid,
      List<Integer> groups, long capabilities, Optional<String> seccomp, boolean tty, Optional<Console> console,
      List<Rlimit> rlimits, boolean detach) {}

  /** A process that runs: its host pid, and (not detached) its end. */
  public static final class Started {
    private final int pid;
    private final Process helper;
    private final InitConnection conn;

    private Started(int pid, Process helper, InitConnection conn) {
      this.pid = pid;
      this.helper = helper;
      this.conn = conn;
    }

    /** The process's host pid. */
    public int pid() {
      return pid;
    }

    /** Waits for a process that was not detached to end; its status. */
    public ExitStatus awaitEnd() {
      try {
        return conn.awaitEnd(helper);
      } finally {
        conn.close();
      }
    }
  }

  /** Starts {@code r} in container {@code id}; returns once its command has been exec'd. */
  public static Started start(String id, Request r) {
    InitPlan plan = new InitPlan();
    plan.target(r.initPid());
    plan.capabilities(r.capabilities());
    plan.seccomp(r.seccomp());
    CgroupMembership.toJoin(r.initPid()).forEach(plan::cgroup);
    for (String kv : r.env()) {
      int eq = kv.indexOf('=');
      plan.env(kv.substring(0, eq), kv.substring(eq + 1));
    }
    r.args().forEach(plan::arg);
    plan.cwd(r.cwd());
    plan.user(r.uid(), r.gid(), r.groups());
    plan.tty(r.tty());
    r.console().ifPresent(c -> c.addTo(plan));
    r.rlimits().forEach(l -> plan.rlimit(l.resource(), l.soft(), l.hard()));
    plan.detach(r.detach());
    Process helper = null;
    InitConnection conn = null;
    String what = "exec in container '" + id + "'";
    try {
      SpareHelpers.Helper h = SpareHelpers.spawn(Stdio.INHERIT, Stdio.INHERIT, Stdio.INHERIT, "exec");
      helper = h.process();
      conn = h.connection();
      conn.send(plan.encode());
      String line = conn.readLine();
      if (line == null || !line.startsWith("PID ")) {
        throw Launcher.failure(line, what, r.args(), "in container '" + id + "'", path(r));
      }
      int pid = Integer.parseInt(line.substring(4).trim());
      line = conn.readLine();
      if (!"EXEC".equals(line)) {
        throw Launcher.failure(line, what, r.args(), "in container '" + id + "'", path(r));
      }
      if (r.detach()) {
        helper.waitFor(); // it leaves at once: from now on the command is our reaper's child
        conn.close();
      }
      return new Started(pid, helper, conn);
    } catch (IOException | RuntimeException | InterruptedException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      if (helper != null) {
        helper.destroyForcibly();
      }
      if (conn != null) {
        conn.close();
      }
      if (e instanceof PocException pe) {
        throw pe;
      }
      throw new StartFailedException(what + " failed: " + e, e);
    }
  }

  private static String path(Request r) {
    return r.env().stream().filter(kv -> kv.startsWith("PATH=")).map(kv -> kv.substring(5)).findFirst()
        .orElse(Launcher.DEFAULT_PATH);
  }
}
