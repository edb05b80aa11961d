package dev.poc.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What a run may leave behind on the host, found by the run's name prefix or work directory:
 * cgroups (poc's {@code poc/NAME} and runc/crun's), poc run directories, processes still below
 * this JVM, mounts and loop devices under the work directory, interfaces and network namespaces.
 */
final class Leftovers {
  private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");

  private Leftovers() {}

  /**
   * The open runtime's spare poc-init (spawned ahead of the next start, no namespace or cgroup yet,
   * gone when the runtime closes) is no leftover: a poc-init without a child runs no container.
   */
  private static boolean isSpareHelper(ProcessHandle p) {
    // poc-init runs from a sealed memfd copy of /run/poc/bin/poc-init-HASH (see poc-init.c).
    return p.info().command().map(c -> c.startsWith("/memfd:poc-init") || c.startsWith("/run/poc/bin/poc-init-")).orElse(false)
        && p.children().findAny().isEmpty();
  }

  /**
   * {@link #find}, again every 50 ms for up to 5 s while it finds something: a bridged container's
   * veth is deleted, and its address freed, by the runtime's reaper after {@code waitFor()} returns,
   * so right after a burst some are still on their way out. What is there after 5 s is left.
   */
  static List<String> settled(String prefix, Path workDir, Path stateRoot) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    List<String> found = find(prefix, workDir, stateRoot);
    while (!found.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(50);
      found = find(prefix, workDir, stateRoot);
    }
    return found;
  }

  static List<String> find(String prefix, Path workDir, Path stateRoot) throws IOException {
    TreeSet<String> found = new TreeSet<>();
    if (Files.isDirectory(CGROUP_ROOT)) {
      try (Stream<Path> walk = Files.walk(CGROUP_ROOT, 4)) {
        walk.filter(p -> p.getFileName() != null && p.getFileName().toString().startsWith(prefix) && Files.isDirectory(p))
            .forEach(p -> found.add("cgroup " + p));
      } catch (java.io.UncheckedIOException e) {
        // a cgroup of another run vanished while we walked: not ours
      }
    }
    Path runs = stateRoot.resolve("run");
    if (Files.isDirectory(runs)) {
      try (Stream<Path> dirs = Files.list(runs)) {
        dirs.forEach(p -> found.add("run dir " + p));
      }
    }
    ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).filter(p -> !isSpareHelper(p))
        .forEach(p -> found.add("process " + p.pid() + " " + p.info().commandLine().orElse("?")));
    String work = workDir.toAbsolutePath().toString();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String mountPoint = line.split(" ")[4];
      if (mountPoint.startsWith(work)) {
        found.add("mount " + mountPoint);
      }
    }
    try (Stream<Path> blocks = Files.list(Path.of("/sys/block"))) {
      for (Path loop : blocks.filter(p -> p.getFileName().toString().startsWith("loop")).toList()) {
        Path backing = loop.resolve("loop/backing_file");
        if (Files.exists(backing)) {
          String file = Files.readString(backing).trim();
          if (file.startsWith(work)) {
            found.add("loop device /dev/" + loop.getFileName() + " on " + file);
          }
        }
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      // a loop device detached while we looked: not ours to report
    }
    for (Path dir : List.of(Path.of("/sys/class/net"), Path.of("/run/netns"))) {
      if (Files.isDirectory(dir)) {
        try (Stream<Path> s = Files.list(dir)) {
          s.filter(p -> p.getFileName().toString().contains(prefix)).forEach(p -> found.add("interface or netns " + p));
        }
      }
    }
    return new ArrayList<>(found);
  }
}
