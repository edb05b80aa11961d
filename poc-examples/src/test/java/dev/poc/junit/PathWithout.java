package dev.poc.junit;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/** A PATH for a test that hides a tool: one directory of links to every usual program but that one. */
public final class PathWithout {
  private static final List<String> USUAL = List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin");

  private PathWithout() {}

  /**
   * Fills the empty directory {@code dir} with a link to each program of the usual directories
   * whose name does not start with {@code hidden} (the first of a name wins, as in a PATH), and
   * returns it, to be the whole PATH.
   */
  public static Path make(Path dir, String hidden) throws IOException {
    for (String from : USUAL) {
      if (!Files.isDirectory(Path.of(from))) {
        continue;
      }
      try (DirectoryStream<Path> programs = Files.newDirectoryStream(Path.of(from))) {
        for (Path program : programs) {
          Path link = dir.resolve(program.getFileName().toString());
          if (!link.getFileName().toString().startsWith(hidden) && !Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
            Files.createSymbolicLink(link, program);
          }
        }
      }
    }
    return dir;
  }
}
