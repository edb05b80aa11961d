package dev.poc.bench;

import dev.poc.Container;
import dev.poc.ContainerRuntime;
import dev.poc.Rootfs;
import dev.poc.Stdio;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The ordinary user's side of scenario 13, a JVM of its own started as that user: it reads one
 * word per line and answers with the nanoseconds of one trial, so that the scenario interleaves
 * it with root's variants. {@code poc}: start-to-exit of {@code /bin/true} through poc's API
 * (rootless, since this JVM is not root); {@code podman}: {@code podman run --rm} of the same root
 * with crun, spawned from here (no runuser in the time). A failure answers {@code ERR message}.
 * Args: STATE_ROOT ROOTFS PODMAN_ROOT PODMAN_RUNROOT.
 */
public final class RootlessProbe {
  private static final int WARM_UP = 200;

  private RootlessProbe() {}

  public static void main(String[] args) throws Exception {
    Path stateRoot = Path.of(args[0]);
    Path rootfs = Path.of(args[1]);
    List<String> podman = List.of("podman", "--root", args[2], "--runroot", args[3], "--runtime", "crun",
        "--cgroup-manager", "cgroupfs", "--events-backend", "file", "run", "--rm", "--network", "none",
        "--cgroups", "disabled", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
        "--rootfs", rootfs.toString(), "/bin/true");
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    try (ContainerRuntime poc = ContainerRuntime.open(stateRoot)) {
      int n = 0;
      // as the scenario's own JVM does before it measures root's poc: HotSpot compiles the start path
      for (; n < WARM_UP; n++) {
        pocTrueOnce(poc, rootfs, "rl" + ProcessHandle.current().pid() + "-" + n);
      }
      out.println("READY " + poc.isRootless());
      for (String word; (word = in.readLine()) != null && !word.equals("quit"); ) {
        try {
          out.println(switch (word) {
            case "poc" -> pocTrueOnce(poc, rootfs, "rl" + ProcessHandle.current().pid() + "-" + n++);
            case "podman" -> HostCommand.timeToExit(podman);
            default -> throw new IllegalArgumentException("unknown trial '" + word + "'");
          });
        } catch (Exception e) {
          out.println("ERR " + String.valueOf(e.getMessage()).replace('\n', ' '));
        }
      }
    }
  }

  private static long pocTrueOnce(ContainerRuntime poc, Path rootfs, String name) throws Exception {
    long t0 = System.nanoTime();
    try (Container c = poc.container().name(name).rootfs(Rootfs.directory(rootfs)).command("/bin/true")
        .stdin(Stdio.DISCARD).stdout(Stdio.DISCARD).stderr(Stdio.PIPE).start()) {
      int code = c.waitFor();
      long t = System.nanoTime() - t0;
      PocTrials.checkExit(c, code);
      return t;
    }
  }

  /** The argv that starts this probe as {@code user} (in the scenario's mount namespace wrapper). */
  static List<String> command(String user, String home, Path jar, Path stateRoot, Path rootfs, Path podmanRoot,
      Path podmanRunRoot) {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(List.of("runuser", "-u", user, "--", "env", "-i", "HOME=" + home,
        "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "USER=" + user, "LOGNAME=" + user,
        java, "-cp", jar.toString(), RootlessProbe.class.getName(), stateRoot.toString(), rootfs.toString(),
        podmanRoot.toString(), podmanRunRoot.toString()));
    return cmd;
  }
}
