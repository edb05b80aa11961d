package dev.poc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/** Fixtures shared by tests: a busybox tree made from the host's busybox-static, once per JVM. */
public final class TestRootfs {
  private static Path busybox;

  private TestRootfs() {}

  /** A busybox root filesystem (from the busybox-static package), made once per test JVM. */
  public static synchronized Path busybox() throws IOException, InterruptedException {
    if (busybox == null) {
      Path dir = Path.of("target", "busybox-rootfs-" + ProcessHandle.current().pid()).toAbsolutePath();
      makeBusybox(dir);
      busybox = dir;
    }
    return busybox;
  }

  static void makeBusybox(Path dir) throws IOException, InterruptedException {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    for (String d : new String[] {"etc", "tmp", "proc", "sys", "dev", "root", "usr/bin", "sbin", "var", "home"}) {
      Files.createDirectories(dir.resolve(d));
    }
    Path src = Path.of("/bin/busybox");
    if (!Files.exists(src)) {
      throw new IllegalStateException("busybox-static is not installed: apt-get install busybox-static");
    }
    Files.copy(src, bin.resolve("busybox"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Process p = new ProcessBuilder(bin.resolve("busybox").toString(), "--list").start();
    String[] applets = new String(p.getInputStream().readAllBytes()).split("\n");
    p.waitFor();
    for (String a : applets) {
      if (!a.isBlank() && !a.equals("busybox")) {
        Path link = bin.resolve(a.trim());
        if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          Files.createSymbolicLink(link, Path.of("busybox"));
        }
      }
    }
    Files.writeString(dir.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
    Files.writeString(dir.resolve("etc/group"), "root:x:0:\nnogroup:x:65534:\n");
  }

  /** A name no other test (or run) uses. */
  public static String uniqueName(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** A fresh state root under target/. */
  public static Path stateRoot() throws IOException {
    return Files.createDirectories(Path.of("target", "state", UUID.randomUUID().toString().substring(0, 8)).toAbsolutePath());
  }
}
