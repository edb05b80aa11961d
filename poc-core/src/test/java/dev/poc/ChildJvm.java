package dev.poc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts a test main class in a JVM of its own, on this JVM's class path (crash tests). */
public final class ChildJvm {
  private ChildJvm() {}

  public static Process start(Class<?> main, String... args) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> cmd = new ArrayList<>(List.of(java, "-cp", cp, main.getName()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).start();
  }

  /**
   * A child JVM running a container that sleeps, once the container runs; {@code initPid[0]} is
   * set to its init's pid.
   */
  static Process startSleeper(Path stateRoot, String name, Path rootfs, int[] initPid) throws IOException {
    Process p = start(Sleeper.class, stateRoot.toString(), name, rootfs.toString());
    String line = new BufferedReader(new InputStreamReader(p.getInputStream())).readLine();
    if (line == null || !line.startsWith("PID ")) {
      p.destroyForcibly();
      throw new IllegalStateException("child JVM did not start its container: " + line + "\n"
          + new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
    }
    initPid[0] = Integer.parseInt(line.substring(4));
    return p;
  }

  /** Starts a sleeping container, prints its init pid, waits to be killed. Args: STATE NAME ROOTFS. */
  public static final class Sleeper {
    private Sleeper() {}

    public static void main(String[] args) throws Exception {
      ContainerRuntime rt = ContainerRuntime.open(Path.of(args[0]));
      Container c = rt.container().name(args[1]).rootfs(Rootfs.directory(Path.of(args[2])))
          .command("sleep", "1000").start();
      System.out.println("PID " + c.pid());
      System.out.flush();
      Thread.sleep(Long.MAX_VALUE);
    }
  }
}
