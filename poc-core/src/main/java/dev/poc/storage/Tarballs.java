package dev.poc.storage;

import dev.poc.InvalidSpecException;
import dev.poc.NotFoundException;
import dev.poc.Progress;
import dev.poc.host.Tool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Packs build contexts, and unpacks a root filesystem tarball (plain, gzip, xz, bzip2 or zstd; GNU tar recognises which)
 * with owners by number, permissions, and extended attributes such as file capabilities. Members
 * that would land outside the target (absolute paths, {@code ..}) are refused before anything is
 * written.
 */
public final class Tarballs {
  private static final Tool TAR = new Tool("tar", "apt-get install tar");

  private Tarballs() {}

  public static void unpack(Path tarball, Path target, Progress progress) throws IOException {
    if (!Files.isRegularFile(tarball)) {
      throw new NotFoundException("tarball " + tarball + " does not exist or is not a file: give the path of a root filesystem tar");
    }
    String step = "unpacking " + tarball;
    progress.step("checking " + tarball + " (" + (Files.size(tarball) >> 20) + " MiB)");
    String listing = TAR.output("listing " + tarball, List.of("-t", "-f", tarball.toString()));
    int members = 0;
    for (String member : listing.split("\n")) {
      if (!member.isEmpty()) {
        refuseEscape(tarball, member);
        members++;
      }
    }
    if (members == 0) {
      throw new InvalidSpecException("tarball " + tarball + " is empty: give a root filesystem tar (e.g. a `docker export`)");
    }
    progress.step(step + " (" + members + " entries)");
    TAR.run(step, List.of("-x", "-f", tarball.toString(), "-C", target.toString(),
        "--numeric-owner", "--same-owner", "--same-permissions", "--xattrs", "--xattrs-include=*", "--no-overwrite-dir"),
        progress);
    if (!Files.isDirectory(target.resolve("bin")) && !Files.isDirectory(target.resolve("usr"))) {
      progress.step("note: " + tarball + " has neither /bin nor /usr: is it a root filesystem?");
    }
  }

  /** Packs the contents of {@code dir} into the plain tar {@code tar}. */
  static void pack(Path dir, Path tar) throws IOException {
    TAR.run("packing " + dir, List.of("-C", dir.toString(), "-cf", tar.toString(), "."), Progress.none());
  }

  /** Refuses a member whose path is absolute or climbs out with "..". */
  static void refuseEscape(Path tarball, String member) {
    boolean escapes = member.startsWith("/");
    for (String part : member.split("/")) {
      escapes |= part.equals("..");
    }
    if (escapes) {
      throw new InvalidSpecException("tarball " + tarball + " has the member '" + member
          + "', which points outside the image: refusing to unpack it; rebuild the tarball with relative paths");
    }
  }
}
