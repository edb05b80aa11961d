package dev.poc.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The rootfs every runtime runs in: the host's static busybox with a link per applet, made at
 * run time (never committed). All variants use the very same tree.
 */
final class BusyboxTree {
  static final Path BUSYBOX = Path.of("/bin/busybox");

  private BusyboxTree() {}

  static Path make(Path dir) throws IOException, InterruptedException {
    if (!Files.isExecutable(BUSYBOX)) {
      throw new BenchmarkFailedException(BUSYBOX + " is missing: apt-get install busybox-static");
    }
    for (String d : List.of("bin", "etc", "tmp", "proc", "sys", "dev", "root", "usr/bin", "sbin", "var", "run")) {
      Files.createDirectories(dir.resolve(d));
    }
    Path bin = dir.resolve("bin");
    Files.copy(BUSYBOX, bin.resolve("busybox"), StandardCopyOption.REPLACE_EXISTING);
    for (String applet : HostCommand.output(List.of(BUSYBOX.toString(), "--list")).split("\n")) {
      String a = applet.trim();
      Path link = bin.resolve(a);
      if (!a.isEmpty() && !a.equals("busybox") && !Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
        Files.createSymbolicLink(link, Path.of("busybox"));
      }
    }
    Files.writeString(dir.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
    Files.writeString(dir.resolve("etc/group"), "root:x:0:\ntty:x:5:\n");
    for (String f : List.of("hosts", "hostname", "resolv.conf")) {
      Files.writeString(dir.resolve("etc").resolve(f), "");
    }
    return dir;
  }
}
