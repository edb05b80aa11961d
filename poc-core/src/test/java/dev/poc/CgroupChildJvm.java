package dev.poc;

import java.nio.file.Path;

/**
 * A JVM that starts one container and then waits to be killed; {@link CgroupTest} SIGKILLs it to
 * leave a container's cgroup and run directory behind. Args: stateRoot name busyboxRootfs
 * [detached]; detached, it exits at once and leaves the container running, as {@code poc run -d} does.
 */
public final class CgroupChildJvm {
  private CgroupChildJvm() {}

  public static void main(String[] args) throws Exception {
    ContainerRuntime runtime = ContainerRuntime.open(Path.of(args[0]));
    boolean detached = args.length > 3 && args[3].equals("detached");
    Container c = runtime.container().name(args[1]).rootfs(Rootfs.directory(Path.of(args[2])))
        .command("sleep", "1000").stdin(Stdio.DISCARD).stdout(Stdio.DISCARD).stderr(Stdio.DISCARD)
        .detached(detached).start();
    System.out.println("STARTED " + c.pid());
    System.out.flush();
    if (detached) {
      runtime.close();
      System.exit(0);
    }
    Thread.sleep(Long.MAX_VALUE);
  }
}
