package dev.poc.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The bases scenario 3 builds disks from, as tarballs made at run time: the busybox tree, and the
 * same with incompressible filler to show how build time grows (or not) with the base's size.
 */
final class BaseImages {
  private BaseImages() {}

  static Path busybox(Path rootfs, Path dir) throws IOException, InterruptedException {
    return tar(rootfs, Files.createDirectories(dir).resolve("busybox.tar"));
  }

  /** The busybox tree plus {@code fillerMiB} MiB of random files under /usr/share/filler. */
  static Path large(Path rootfs, Path dir, int fillerMiB) throws IOException, InterruptedException {
    Path tree = Files.createDirectories(dir).resolve("large-tree");
    HostCommand.output(List.of("cp", "-a", rootfs.toString() + "/.", Files.createDirectories(tree).toString()));
    Path filler = Files.createDirectories(tree.resolve("usr/share/filler"));
    SplittableRandom random = new SplittableRandom(7);
    byte[] chunk = new byte[1 << 20];
    for (int f = 0; f < fillerMiB / 4; f++) {
      try (OutputStream out = Files.newOutputStream(filler.resolve("blob" + f))) {
        for (int mib = 0; mib < 4; mib++) {
          for (int i = 0; i < chunk.length; i += 8) {
            long r = random.nextLong();
            for (int b = 0; b < 8; b++) {
              chunk[i + b] = (byte) (r >>> (8 * b));
            }
          }
          out.write(chunk);
        }
      }
    }
    Path tar = tar(tree, dir.resolve("large.tar"));
    HostCommand.output(List.of("rm", "-rf", tree.toString()));
    return tar;
  }

  private static Path tar(Path tree, Path tarball) throws IOException, InterruptedException {
    HostCommand.output(List.of("tar", "-C", tree.toString(), "-cf", tarball.toString(), "."));
    return tarball;
  }
}
