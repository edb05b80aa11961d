package dev.poc.launch;

import dev.poc.internal.Access;
import dev.poc.ContainerProcess;
import dev.poc.ExecSpec;
import dev.poc.PocException;
import dev.poc.StartFailedException;
import dev.poc.cgroup.CgroupMembership;
import java.io.IOException;
import java.util.Map;

/**
 * Starts a command inside a running container: poc-init in exec mode joins the cgroups and
 * namespaces of the container's init, drops privileges as the run path does, and execs.
 */
public final class ExecLauncher {
  private ExecLauncher() {}

  /**
   * @param capabilities the container's capability mask
   * @param seccomp the container's filter (hex), if it has one
   * @param ended told of the helper once the command has ended (it exits right after)
   */
  public static ContainerProcess start(String name, int initPid, String hostname, long capabilities,
      java.util.Optional<String> seccomp, ExecSpec spec, java.util.function.Consumer<Process> ended) {
    InitPlan plan = new InitPlan();
    plan.target(initPid);
    plan.capabilities(capabilities);
    plan.seccomp(seccomp);
    CgroupMembership.toJoin(initPid).forEach(plan::cgroup);
    Map<String, String> env = Launcher.baseEnv(hostname, spec.uid(), spec.tty());
    env.putAll(spec.env());
    env.forEach(plan::env);
    spec.args().forEach(plan::arg);
    plan.cwd(spec.cwd());
    plan.user(spec.uid(), spec.gid(), java.util.List.of());
    plan.tty(spec.tty());
    Process helper = null;
    InitConnection conn = null;
    try {
      SpareHelpers.Helper h = SpareHelpers.spawn(spec.stdin(), spec.stdout(), spec.stderr(), "exec");
      helper = h.process();
      conn = h.connection();
      conn.send(plan.encode());
      String line = conn.readLine();
      if (line == null || !line.startsWith("PID ")) {
        throw failure(line, name, spec);
      }
      int pid = Integer.parseInt(line.substring(4).trim());
      line = conn.readLine();
      if (!"EXEC".equals(line)) {
        throw failure(line, name, spec);
      }
      return Access.api().newProcess(name, helper, conn, PidHandle.ofChild(pid, helper.pid()), ended);
    } catch (IOException | RuntimeException e) {
      if (helper != null) {
        helper.destroyForcibly();
      }
      if (conn != null) {
        conn.close();
      }
      if (e instanceof PocException pe) {
        throw pe;
      }
      throw new StartFailedException("exec in container '" + name + "' failed: " + e, e);
    }
  }

  private static PocException failure(String line, String name, ExecSpec spec) {
    return Launcher.failure(line, "exec in container '" + name + "'", spec.args(),
        "in container '" + name + "'", spec.env().getOrDefault("PATH", Launcher.DEFAULT_PATH));
  }
}
