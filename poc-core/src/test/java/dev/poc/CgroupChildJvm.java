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
    if (args.length > 3 && args[3].startsWith("halt-after-exit=")) {
      haltAfterExit(runtime, args[1], Path.of(args[2]), Path.of(args[3].substring("halt-after-exit=".length())));
    }
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

  /**
   * Runs {@code true} and dies (no shutdown hook) as soon as waitFor returned, with the container's
   * host-side release surely still pending: the one thread that does such releases is kept busy
   * first by a release that never ends (of a dummy run directory under {@code blockerRoot}).
   */
  private static void haltAfterExit(ContainerRuntime runtime, String name, Path rootfs, Path blockerRoot) throws Exception {
    Path dummy = java.nio.file.Files.createDirectories(blockerRoot.resolve("run").resolve(name + "-blocker"));
    java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
    dev.poc.state.RunDirDisposal.dispose(dummy, name + "-blocker", () -> {
      try {
        never.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, () -> {});
    Container c = runtime.container().name(name).rootfs(Rootfs.directory(rootfs)).command("true")
        .stdin(Stdio.DISCARD).stdout(Stdio.DISCARD).stderr(Stdio.DISCARD).start();
    System.out.println("ENDED " + c.waitFor());
    System.out.flush();
    Runtime.getRuntime().halt(9);
  }
}
