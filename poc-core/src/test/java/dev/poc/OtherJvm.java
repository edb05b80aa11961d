package dev.poc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A second JVM for the storage tests, on the same state root:
 * <ul>
 *   <li>{@code build STATE NAME SIZE}: opens a runtime, says READY, waits for a line on stdin (so
 *       that two of them start together), builds, and prints OK or ERR with the error.
 *   <li>{@code run STATE NAME SCRIPT}: runs {@code sh -c SCRIPT} on disk NAME, prints its output.
 *   <li>{@code detach STATE NAME SCRIPT}: starts it detached, prints STARTED, and exits.
 * </ul>
 */
public final class OtherJvm {
  private OtherJvm() {}

  /** Starts this class in a new JVM with the test class path. */
  static Process spawn(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "-cp", System.getProperty("java.class.path"), OtherJvm.class.getName()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true).start();
  }

  public static void main(String[] args) throws Exception {
    try (ContainerRuntime rt = ContainerRuntime.open(Path.of(args[1]))) {
      switch (args[0]) {
        case "build" -> {
          System.out.println("READY");
          System.out.flush();
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
          rt.build(args[2], args[3]);
          System.out.println("OK");
        }
        case "run" -> {
          try (Container c = rt.container().name(args[2]).rootfs(Rootfs.disk(args[2])).command("sh", "-c", args[3]).start()) {
            System.out.print(new String(c.stdout().readAllBytes(), StandardCharsets.UTF_8));
            System.out.println("EXIT " + c.waitFor());
          }
        }
        case "detach" -> {
          Container c = rt.container().name(args[2]).rootfs(Rootfs.disk(args[2])).command("sh", "-c", args[3])
              .detached(true).stdin(Stdio.DISCARD).stdout(Stdio.DISCARD).stderr(Stdio.DISCARD).start();
          System.out.println("STARTED " + c.pid());
        }
        default -> throw new IllegalArgumentException(args[0]);
      }
    } catch (PocException e) {
      System.out.println("ERR " + e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }
}
