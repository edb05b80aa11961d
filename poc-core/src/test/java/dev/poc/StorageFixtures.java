package dev.poc;

import dev.poc.host.Mounts;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Shared by the storage tests: busybox tarballs, running a command on a disk, and leak checks. */
final class StorageFixtures {
  private static final Map<String, Path> TARBALLS = new HashMap<>();

  private StorageFixtures() {}

  /** The busybox tree as a tarball ("" plain, "gz" or "xz"), made once per test JVM under target/. */
  static synchronized Path busyboxTarball(String compression) throws IOException, InterruptedException {
    Path tar = TARBALLS.get(compression);
    if (tar == null) {
      String flag = switch (compression) {
        case "" -> "-cf";
        case "gz" -> "-czf";
        case "xz" -> "-cJf";
        default -> throw new IllegalArgumentException(compression);
      };
      tar = Path.of("target", "busybox-" + ProcessHandle.current().pid() + ".tar" + (compression.isEmpty() ? "" : "." + compression))
          .toAbsolutePath();
      exec("tar", "-C", TestRootfs.busybox().toString(), flag, tar.toString(), ".");
      TARBALLS.put(compression, tar);
    }
    return tar;
  }

  /** Output and exit code of one container run. */
  record Run(int exit, String out) {}

  /** Runs {@code sh -c script} in container {@code name} on its disk; waits for the end. */
  static Run run(ContainerRuntime rt, String name, String script) throws InterruptedException, IOException {
    try (Container c = rt.container().name(name).rootfs(Rootfs.disk(name)).command("sh", "-c", "exec 2>&1; " + script)
        .start()) {
      String out = new String(c.stdout().readAllBytes(), StandardCharsets.UTF_8);
      return new Run(c.waitFor(), out);
    }
  }

  /** Runs a host command, failing the test on a non-zero exit; returns its output. */
  static String exec(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int code = p.waitFor();
    if (code != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed (" + code + "): " + out);
    }
    return out;
  }

  /** Mount points at or below {@code root}. */
  static List<String> mountsUnder(Path root) throws IOException {
    List<String> found = new ArrayList<>();
    for (Mounts.Entry e : Mounts.list()) {
      if (e.mountPoint().startsWith(root)) {
        found.add(e.mountPoint() + " (" + e.fsType() + ")");
      }
    }
    return found;
  }

  /** Loop devices whose backing file is at or below {@code root}. */
  static List<String> loopsUnder(Path root) throws IOException {
    List<String> found = new ArrayList<>();
    try (DirectoryStream<Path> devices = Files.newDirectoryStream(Path.of("/sys/block"), "loop*")) {
      for (Path dev : devices) {
        try {
          String backing = Files.readString(dev.resolve("loop/backing_file")).trim();
          if (backing.startsWith(root.toString())) {
            found.add(dev.getFileName() + " -> " + backing);
          }
        } catch (IOException e) {
          // not attached
        }
      }
    }
    return found;
  }

  /** No mount and no loop device of {@code root} is left (autoclear may take a moment). */
  static void assertNoMountsOrLoops(Path root) throws IOException, InterruptedException {
    for (int i = 0; i < 100 && !loopsUnder(root).isEmpty(); i++) {
      Thread.sleep(20);
    }
    assertThat(mountsUnder(root)).as("mounts under " + root).isEmpty();
    assertThat(loopsUnder(root)).as("loop devices over files under " + root).isEmpty();
  }

  /** Bytes the file really occupies (sparse files occupy less than their size). */
  static long allocatedBytes(Path file) throws IOException, InterruptedException {
    return Long.parseLong(exec("stat", "-c", "%b", file.toString()).trim()) * 512;
  }
}
