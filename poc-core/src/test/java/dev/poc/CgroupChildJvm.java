package dev.poc;

import java.nio.file.Path;

/**
 * A JVM that starts one container and then waits to be killed; {@link CgroupTest} SIGKILLs it to
 * leave a container's cgroup and run directory behind. Args: stateRoot name busyboxRootfs.
 */
public final class CgroupChildJvm {
  private CgroupChildJvm() {}

  public static void main(String[] args) throws Exception {
    ContainerRuntime runtime = ContainerRuntime.open(Path.of(args[0]));
    Container c = runtime.container().name(args[1]).rootfs(Rootfs.directory(Path.of(args[2])))
        .command("sleep", "1000").stdout(Stdio.DISCARD).stderr(Stdio.DISCARD).start();
    System.out.println("STARTED " + c.pid());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
