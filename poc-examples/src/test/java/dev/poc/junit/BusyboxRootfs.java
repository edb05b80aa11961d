package dev.poc.junit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** A test fixture: a root filesystem of the host's busybox-static, every applet linked, nothing downloaded. */
public final class BusyboxRootfs {
  private BusyboxRootfs() {}

  /** Makes the tree in {@code dir} (which may exist) and returns it. */
  public static Path make(Path dir) throws IOException, InterruptedException {
    Path src = Path.of("/bin/busybox");
    if (!Files.exists(src)) {
      throw new IllegalStateException("busybox-static is not installed: apt-get install busybox-static");
    }
    Path bin = Files.createDirectories(dir.resolve("bin"));
    for (String d : new String[] {"etc", "tmp", "proc", "sys", "dev", "root", "var", "www"}) {
      Files.createDirectories(dir.resolve(d));
    }
    Files.copy(src, bin.resolve("busybox"), StandardCopyOption.REPLACE_EXISTING);
    Process list = new ProcessBuilder(src.toString(), "--list").start();
    String[] applets = new String(list.getInputStream().readAllBytes()).split("\n");
    list.waitFor();
    for (String a : applets) {
      Path link = bin.resolve(a.trim());
      if (!a.isBlank() && !a.trim().equals("busybox") && !Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
        Files.createSymbolicLink(link, Path.of("busybox"));
      }
    }
    Files.writeString(dir.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
    Files.writeString(dir.resolve("etc/group"), "root:x:0:\nnogroup:x:65534:\n");
    return dir;
  }

  /** A tree under target/ for this JVM, with {@code /www/index.html} holding {@code page}. */
  public static Path withPage(String page) {
    try {
      Path dir = make(Path.of("target", "busybox-rootfs-" + ProcessHandle.current().pid()).toAbsolutePath());
      Files.writeString(dir.resolve("www/index.html"), page);
      return dir;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
