package dev.poc.host;

import dev.poc.PocException;
import dev.poc.Progress;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Runs one of the host tools that are <em>the</em> tool for their job (mkfs.ext4, tar,
 * debootstrap) and turns a failure into an error that names the step, the exit code and the
 * tool's last words.
 */
public final class Tool {
  private static final int TAIL_LINES = 25;
  private static final List<String> SEARCH_PATH =
      List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin");

  private final String program;
  private final String installHint;
  private final List<Path> dirs;

  /** {@code installHint} tells the user how to get the program, e.g. "apt-get install e2fsprogs". */
  public Tool(String program, String installHint) {
    this(program, installHint, null);
  }

  /** A tool looked for in {@code dirs} only (null: the PATH and the usual sbin directories). */
  public Tool(String program, String installHint, List<Path> dirs) {
    this.program = program;
    this.installHint = installHint;
    this.dirs = dirs == null ? null : List.copyOf(dirs);
  }

  /**
   * Where the program is: the first of {@link #searchDirs()} that holds it. The user's PATH
   * decides, so a tool hidden from PATH is not found (and {@code poc info} says so).
   */
  public static java.util.Optional<Path> locate(String program) {
    return locate(program, searchDirs());
  }

  public static java.util.Optional<Path> locate(String program, List<Path> dirs) {
    for (Path dir : dirs) {
      Path p = dir.resolve(program);
      if (Files.isExecutable(p) && !Files.isDirectory(p)) {
        return java.util.Optional.of(p);
      }
    }
    return java.util.Optional.empty();
  }

  /** Where tools are looked for, from this process's PATH (see {@link #searchDirs(String)}). */
  public static List<Path> searchDirs() {
    return searchDirs(System.getenv("PATH"));
  }

  /**
   * The directories of {@code path}, each {@code .../bin} followed by its {@code .../sbin}
   * sibling: root's tools live in sbin, and {@code su} (without {@code -}) leaves a user's PATH
   * without it. No PATH at all means the usual directories.
   */
  public static List<Path> searchDirs(String path) {
    if (path == null || path.isBlank()) {
      return SEARCH_PATH.stream().map(Path::of).toList();
    }
    java.util.LinkedHashSet<Path> dirs = new java.util.LinkedHashSet<>();
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty()) {
        dirs.add(Path.of(dir));
        if (dir.equals("/bin") || dir.endsWith("/bin")) {
          dirs.add(Path.of(dir.substring(0, dir.length() - 3) + "sbin"));
        }
      }
    }
    return List.copyOf(dirs);
  }

  /** Where this tool is, if installed: in its own directories when it was given some. */
  public java.util.Optional<Path> path() {
    return dirs == null ? locate(program) : locate(program, dirs);
  }

  public boolean isInstalled() {
    return path().isPresent();
  }

  /** Runs {@code program args...}; its output (stdout and stderr), as lines, goes to {@code progress}. */
  public String run(String step, List<String> args, Progress progress) throws IOException {
    return run(step, args, null, progress, false);
  }

  /** Runs {@code program args...} and returns what it wrote to stdout; stderr only shows in an error. */
  public String output(String step, List<String> args) throws IOException {
    return run(step, args, null, Progress.none(), true);
  }

  /** As {@link #output(String, List)}, with {@code input} on its stdin. */
  public String output(String step, List<String> args, String input) throws IOException {
    return run(step, args, input, Progress.none(), true);
  }

  /**
   * Runs the program with {@code input} (null: none). A non-zero exit is a {@link PocException}
   * with the last lines of its output.
   */
  private String run(String step, List<String> args, String input, Progress progress, boolean stdoutOnly)
      throws IOException {
    Path exe = path().orElseThrow(() -> new PocException(
        step + ": " + program + " is not installed: " + installHint));
    List<String> command = new java.util.ArrayList<>();
    command.add(exe.toString());
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command).redirectInput(
        input == null ? ProcessBuilder.Redirect.from(new File("/dev/null")) : ProcessBuilder.Redirect.PIPE);
    pb.environment().put("LC_ALL", "C");
    // debootstrap and mkfs call other sbin tools by name; a user's PATH may lack those directories
    pb.environment().merge("PATH", String.join(File.pathSeparator, SEARCH_PATH), (mine, usual) -> mine + File.pathSeparator + usual);
    Path errors = null;
    if (stdoutOnly) {
      errors = Files.createTempFile("poc-tool", ".err");
      pb.redirectError(errors.toFile());
    } else {
      pb.redirectErrorStream(true);
    }
    try {
      Process p = pb.start();
      if (input != null) {
        try (var stdin = p.getOutputStream()) {
          stdin.write(input.getBytes(StandardCharsets.UTF_8)); // small (a rule script): no reader needed meanwhile
        }
      }
      StringBuilder all = new StringBuilder();
      Deque<String> tail = new ArrayDeque<>();
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          all.append(line).append('\n');
          remember(tail, line);
          progress.step(line);
        }
      }
      int code = waitFor(p, step);
      if (code != 0) {
        if (errors != null) {
          Files.readAllLines(errors).forEach(l -> remember(tail, l));
        }
        throw new PocException(step + ": " + program + " failed with exit code " + code
            + (tail.isEmpty() ? "" : ":\n  " + String.join("\n  ", tail)));
      }
      return all.toString();
    } finally {
      if (errors != null) {
        Files.deleteIfExists(errors);
      }
    }
  }

  private static void remember(Deque<String> tail, String line) {
    if (tail.size() == TAIL_LINES) {
      tail.removeFirst();
    }
    tail.addLast(line);
  }

  private int waitFor(Process p, String step) {
    try {
      return p.waitFor();
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new PocException(step + ": interrupted; " + program + " was killed");
    }
  }
}
