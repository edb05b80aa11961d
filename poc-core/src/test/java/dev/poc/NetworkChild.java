package dev.poc;

import java.nio.file.Path;

/**
 * A JVM that starts containers and then waits to be killed (or, with {@code detached}, exits
 * leaving them running). Args: stateRoot busybox defaultSubnet bridgeSubnet bridgeName chainPrefix
 * detached, then pairs of name and Network.
 */
final class NetworkChild {
  public static void main(String[] a) throws Exception {
    NetworkSettings s = NetworkSettings.builder().defaultSubnet(a[2]).bridgeSubnet(a[3]).bridgeName(a[4])
        .chainPrefix(a[5]).build();
    ContainerRuntime rt = ContainerRuntime.builder().stateRoot(Path.of(a[0])).network(s).build();
    boolean detached = Boolean.parseBoolean(a[6]);
    for (int i = 7; i + 1 < a.length; i += 2) {
      Container c = rt.container().name(a[i]).rootfs(Rootfs.directory(Path.of(a[1])))
          .network(Network.valueOf(a[i + 1])).command("sleep", "600").publish(0, 8080).detached(detached)
          .stdin(Stdio.DISCARD).stdout(Stdio.DISCARD).stderr(Stdio.DISCARD).start();
      System.out.println("STARTED " + a[i] + " " + c.address().orElseThrow() + " " + c.hostPort(8080));
    }
    System.out.println("READY");
    System.out.flush();
    if (detached) {
      System.exit(0);
    }
    Thread.sleep(600_000);
  }
}
