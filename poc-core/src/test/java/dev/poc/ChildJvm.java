package dev.poc;

import java.nio.file.Path;

/**
 * A separate JVM for crash tests: starts a container that sleeps, prints its init pid, then waits
 * to be killed. Usage: ChildJvm STATE_ROOT NAME ROOTFS_DIR.
 */
public final class ChildJvm {
  private ChildJvm() {}

  public static void main(String[] args) throws Exception {
    ContainerRuntime rt = ContainerRuntime.open(Path.of(args[0]));
    Container c = rt.container().name(args[1]).rootfs(Rootfs.directory(Path.of(args[2])))
        .command("sleep", "1000").start();
    System.out.println("PID " + c.pid());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }

  /** Starts a child JVM running {@link #main}; returns it once its container runs, with the init pid. */
  static Process start(Path stateRoot, String name, Path rootfs, int[] initPid) throws Exception {
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), ChildJvm.class.getName(),
        stateRoot.toString(), name, rootfs.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String line = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream())).readLine();
    if (line == null || !line.startsWith("PID ")) {
      p.destroyForcibly();
      throw new IllegalStateException("child JVM did not start its container: " + line);
    }
    initPid[0] = Integer.parseInt(line.substring(4));
    return p;
  }
}
