package dev.poc.cgroup;

import dev.poc.host.Errno;
import dev.poc.host.Syscalls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * File operations on a cgroup filesystem, shared by both drivers. Every error names the file and
 * the value, because a bare "Invalid argument" from a limit file tells a user nothing.
 */
public final class CgroupFs {
  private CgroupFs() {}

  /** Writes {@code value} to an existing interface file (cgroupfs files cannot be created). */
  static void write(Path file, String value) throws IOException {
    try {
      Files.write(file, value.getBytes(StandardCharsets.US_ASCII), StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING);
    } catch (NoSuchFileException e) {
      throw e;
    } catch (IOException e) {
      throw new IOException("writing '" + value.trim() + "' to " + file + " failed: " + reason(e), e);
    }
  }

  /** Writes {@code value} when the file exists; false when this kernel has no such file. */
  static boolean writeIfPresent(Path file, String value) throws IOException {
    try {
      write(file, value);
      return true;
    } catch (NoSuchFileException e) {
      return false;
    }
  }

  /** The single number a file such as {@code memory.current} holds; "max" reads as -1. */
  public static long readLong(Path file) throws IOException {
    String s = Files.readString(file, StandardCharsets.US_ASCII).trim();
    return s.equals("max") ? -1 : Long.parseLong(s);
  }

  /** A flat keyed file ({@code key value} per line), as memory.events, cpu.stat, memory.oom_control. */
  public static Map<String, Long> readKeyed(Path file) throws IOException {
    Map<String, Long> values = new HashMap<>();
    for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
      int sp = line.indexOf(' ');
      if (sp > 0) {
        try {
          values.put(line.substring(0, sp), Long.parseLong(line.substring(sp + 1).trim()));
        } catch (NumberFormatException e) {
          // a key this reader does not use, with a non-numeric value
        }
      }
    }
    return values;
  }

  /** The pids listed in {@code dir/cgroup.procs}; empty when the group is gone. */
  static List<Integer> procs(Path dir) throws IOException {
    List<Integer> pids = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(dir.resolve("cgroup.procs"), StandardCharsets.US_ASCII)) {
        if (!line.isBlank()) {
          pids.add(Integer.parseInt(line.trim()));
        }
      }
    } catch (NoSuchFileException e) {
      // removed meanwhile: nobody left
    }
    return pids;
  }

  /**
   * Makes {@code root/parent/leaf}, making the shared parent first when needed. Another runtime
   * may remove an empty parent between the two mkdirs, so that step is retried a few times.
   *
   * @throws FileAlreadyExistsException when the leaf exists already
   */
  static void mkdirGroup(Path root, String parent, String leaf) throws IOException {
    mkdirGroup(root, parent, leaf, () -> {});
  }

  /** Something to do in a parent group this process just made (e.g. enable controllers). */
  interface ParentSetup {
    void run() throws IOException;
  }

  /** As {@link #mkdirGroup(Path, String, String)}; {@code onNewParent} runs when it made the parent. */
  static void mkdirGroup(Path root, String parent, String leaf, ParentSetup onNewParent) throws IOException {
    Path dir = root.resolve(parent).resolve(leaf);
    try {
      for (int attempt = 0; ; attempt++) {
        try {
          Files.createDirectory(dir);
          return;
        } catch (NoSuchFileException e) {
          if (attempt == 3) {
            throw new IOException("its parent keeps disappearing", e);
          }
          try {
            Path parentDir = root.resolve(parent);
            if (parent.contains("/")) {
              Files.createDirectories(parentDir.getParent()); // a placement's deeper parent
            }
            Files.createDirectory(parentDir);
            onNewParent.run();
          } catch (FileAlreadyExistsException raced) {
            // another runtime made it first
          }
        }
      }
    } catch (FileAlreadyExistsException e) {
      throw e;
    } catch (IOException e) {
      throw new IOException("creating cgroup " + dir + " failed: " + reason(e), e);
    }
  }

  /** rmdir: 0 when removed or already gone, else the errno (EBUSY: processes are still inside). */
  static int rmdir(Path dir) {
    int errno = Syscalls.rmdir(dir.toString());
    return errno == Errno.ENOENT ? 0 : errno;
  }

  /** Removes the shared parent when it is empty; a parent another runtime still uses stays. */
  static void rmdirIfEmpty(Path dir) {
    rmdir(dir); // EBUSY or ENOTEMPTY: other groups live there, which is fine
  }

  /** The names of the groups directly under {@code dir}; empty when it does not exist. */
  static Set<String> children(Path dir) throws IOException {
    Set<String> names = new TreeSet<>();
    if (!Files.isDirectory(dir)) {
      return names;
    }
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(Files::isDirectory).forEach(p -> names.add(p.getFileName().toString()));
    }
    return names;
  }

  private static String reason(IOException e) {
    if (e instanceof NoSuchFileException nsf) {
      return nsf.getFile() + " does not exist (is the hierarchy still mounted?)";
    }
    return e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null ? fse.getReason() : e.getMessage();
  }
}
