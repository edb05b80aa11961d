package dev.poc.host;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** The one way poc removes a directory tree: run dirs, image layers, state left by a crash. */
public final class FileTrees {
  private FileTrees() {}

  /** A directory its owner may not list or enter (once opened up, it is not one: no second try). */
  private static boolean closedDirectory(Path p) {
    try {
      return Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
          && ((int) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0500) != 0500;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Deletes {@code dir} and everything under it; a symlink goes as a link, never followed.
   * Read-only directories (an image layer may hold some) are made writable first, and closed ones
   * (overlayfs's work/work, mode 0000) readable and searchable when they cannot be opened. It goes on past
   * what it cannot remove, so as much as possible goes, and then throws the first failure. A tree
   * that is gone, or goes meanwhile, is no failure.
   */
  public static void delete(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    IOException[] first = new IOException[1];
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
        d.toFile().setWritable(true, true);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
        remove(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException && closedDirectory(file)
            && file.toFile().setReadable(true, true) && file.toFile().setExecutable(true, true)) {
          // a directory closed to its owner (overlayfs's work/work is 0000, and rootless poc is its
          // owner, not root): opened up, then removed with all in it
          try {
            delete(file);
          } catch (IOException again) {
            note(again);
          }
          return FileVisitResult.CONTINUE;
        }
        note(e);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) {
        note(e);
        remove(d);
        return FileVisitResult.CONTINUE;
      }

      private void remove(Path p) {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          note(e);
        }
      }

      private void note(IOException e) {
        if (e != null && !(e instanceof NoSuchFileException) && first[0] == null) {
          first[0] = e;
        }
      }
    });
    if (first[0] != null) {
      throw first[0];
    }
  }
}
