package dev.poc.storage;

import dev.poc.host.Posix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The skeleton of an image of kind HOST: a minimal /etc and the empty directories a root needs.
 * The host's program trees and shared /etc files are bound over it, read-only, at each start
 * (as {@link HostRootfs} does), so the image never copies or goes stale against the host.
 */
public final class HostImage {
  private HostImage() {}

  public static void writeSkeleton(Path rootfs) throws IOException {
    for (String dir : new String[] {"etc", "var/tmp", "var/lib", "var/log", "run", "home", "root", "tmp", "proc", "sys", "dev", "mnt", "opt"}) {
      Files.createDirectories(rootfs.resolve(dir));
    }
    Posix.chmod(rootfs.resolve("tmp").toString(), 01777);
    Posix.chmod(rootfs.resolve("var/tmp").toString(), 01777);
    Files.setPosixFilePermissions(rootfs.resolve("root"), PosixFilePermissions.fromString("rwx------"));
    Path etc = rootfs.resolve("etc");
    EtcFiles.write(etc.resolve("passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
    EtcFiles.write(etc.resolve("group"), "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n");
    EtcFiles.write(etc.resolve("nsswitch.conf"), "passwd: files\ngroup: files\nhosts: files dns\n");
  }
}
