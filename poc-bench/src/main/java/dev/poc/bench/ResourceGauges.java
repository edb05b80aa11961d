package dev.poc.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What a long run could leak, counted at one instant: this JVM's open fds, threads, heap after a
 * GC, RSS after the GC and again once glibc has handed back what it keeps free (the JVM's
 * {@code System.trim_native_heap}: the memory in use, not the allocator's cache); the host's
 * links, named network namespaces, cgroups, mounts and loop devices, each
 * in all and as far as this run's names (prefix) or work directory mark them as its own. Other
 * users of the machine move the host-wide counts; the run's own must not move.
 */
record ResourceGauges(Map<String, Long> values, List<String> fds, List<String> threads) {
  /** The gauges a soak must end with as it began (the JVM's RSS and heap are read, not compared). */
  static final List<String> MUST_NOT_GROW = List.of("JVM open fds", "JVM threads", "links of this run", "netns of this run",
      "cgroups of this run", "mounts under the work dir", "loop devices on the work dir", "run dirs of the state root");

  static ResourceGauges read(String prefix, Path workDir, Path stateRoot) throws IOException {
    System.gc();
    Map<String, Long> v = new LinkedHashMap<>();
    v.put("JVM open fds", count(Path.of("/proc/self/fd"), "", false));
    // the JDK's process reaper pool keeps an idle thread for a minute after a spawn: not poc's, not a leak
    v.put("JVM threads", statusKib("Threads:") - Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("process reaper")).count());
    v.put("JVM RSS after GC (KiB)", statusKib("VmRSS:"));
    JvmDiagnostics.trimNativeHeap();
    v.put("JVM RSS (KiB)", statusKib("VmRSS:"));
    Runtime rt = Runtime.getRuntime();
    v.put("JVM heap used after GC (KiB)", (rt.totalMemory() - rt.freeMemory()) / 1024);
    // RSS moves with the heap pages the collector has touched so far (it goes on touching regions
    // it had committed but not used for a long while); what is outside the heap's address range is
    // native memory (code cache, metaspace, thread stacks, malloc), where a native leak would show
    long heap = heapResidentKib();
    v.put("JVM heap committed (KiB)", rt.totalMemory() / 1024);
    v.put("JVM heap resident (KiB)", heap);
    v.put("JVM RSS outside the heap (KiB)", v.get("JVM RSS (KiB)") - heap);
    v.put("JVM non-heap used (KiB)", java.lang.management.ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage().getUsed() / 1024);
    v.put("host links", count(Path.of("/sys/class/net"), "", false));
    v.put("links of this run", count(Path.of("/sys/class/net"), prefix, true));
    v.put("host named netns", count(Path.of("/run/netns"), "", false));
    v.put("netns of this run", count(Path.of("/run/netns"), prefix, true));
    long[] cgroups = cgroups(prefix);
    v.put("host cgroups", cgroups[0]);
    v.put("cgroups of this run", cgroups[1]);
    List<String> mounts = Files.readAllLines(Path.of("/proc/self/mountinfo"));
    String work = workDir.toAbsolutePath().toString();
    v.put("host mounts", (long) mounts.size());
    v.put("mounts under the work dir", mounts.stream().filter(l -> l.split(" ")[4].startsWith(work)).count());
    long[] loops = loops(work);
    v.put("host loop devices in use", loops[0]);
    v.put("loop devices on the work dir", loops[1]);
    // run/ holds the running containers' directories, run-gone/ those set aside and not yet deleted
    v.put("run dirs of the state root", count(stateRoot.resolve("run"), "", false) + count(stateRoot.resolve("run-gone"), "", false));
    return new ResourceGauges(v, fdTargets(), Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !t.getName().startsWith("process reaper")).map(t -> t.getName().replaceAll("\\d+", "N") + (t.isDaemon() ? " (daemon)" : "")).sorted().toList());
  }

  /**
   * What this JVM holds, in KiB: its heap in use after a GC plus its RSS outside the heap once glibc
   * has handed back its free memory. Heap pages the collector had committed and touches for the
   * first time move RSS without anything more being held, so they are left out.
   */
  static long jvmFootprintKib() throws IOException {
    System.gc();
    JvmDiagnostics.trimNativeHeap();
    Runtime rt = Runtime.getRuntime();
    return (rt.totalMemory() - rt.freeMemory()) / 1024 + statusKib("VmRSS:") - heapResidentKib();
  }

  /** The resident KiB of the mappings inside the Java heap's reserved range (/proc/self/smaps). */
  private static long heapResidentKib() throws IOException {
    long[] range = JvmDiagnostics.heapRange().orElse(null);
    if (range == null) {
      return Runtime.getRuntime().totalMemory() / 1024; // no range to look at: count it all as resident
    }
    long kib = 0;
    boolean inHeap = false;
    for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
      int dash = line.indexOf('-');
      int space = line.indexOf(' ');
      if (dash > 0 && space > dash && line.substring(0, dash).chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
        long start = Long.parseUnsignedLong(line.substring(0, dash), 16);
        inHeap = Long.compareUnsigned(start, range[0]) >= 0 && Long.compareUnsigned(start, range[1]) < 0;
      } else if (inHeap && line.startsWith("Rss:")) {
        kib += Long.parseLong(line.substring(4).trim().split("\\s+")[0]);
      }
    }
    return kib;
  }

  /** What each open fd of this JVM is (a file, socket:[inode], pipe:[inode], anon_inode:...), sorted. */
  private static List<String> fdTargets() throws IOException {
    List<String> out = new java.util.ArrayList<>();
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : s.toList()) {
        try {
          out.add(Files.readSymbolicLink(fd).toString().replaceAll("\\[\\d+\\]$", "[...]"));
        } catch (IOException e) {
          // closed meanwhile (the listing's own fd, for one)
        }
      }
    }
    out.sort(null);
    return out;
  }

  /** The entries of {@code later} that {@code earlier} has not (as many times), e.g. fds opened since. */
  static List<String> added(List<String> earlier, List<String> later) {
    List<String> rest = new java.util.ArrayList<>(later);
    earlier.forEach(rest::remove);
    return rest;
  }

  private static long statusKib(String key) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith(key)) {
        return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
      }
    }
    throw new IOException("no " + key + " line in /proc/self/status");
  }

  private static long count(Path dir, String containing, boolean filter) throws IOException {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> !filter || p.getFileName().toString().contains(containing)).count();
    }
  }

  /** All cgroup directories under /sys/fs/cgroup (4 levels deep), and those named after this run's containers. */
  private static long[] cgroups(String prefix) {
    long[] n = new long[2];
    try (Stream<Path> walk = Files.walk(Path.of("/sys/fs/cgroup"), 4)) {
      walk.filter(Files::isDirectory).forEach(p -> {
        n[0]++;
        if (p.getFileName() != null && p.getFileName().toString().startsWith(prefix)) {
          n[1]++;
        }
      });
    } catch (IOException | UncheckedIOException e) {
      // a cgroup of another user vanished while we walked: the counts are a moment's anyway
    }
    return n;
  }

  private static long[] loops(String work) {
    long[] n = new long[2];
    try (Stream<Path> blocks = Files.list(Path.of("/sys/block"))) {
      for (Path loop : blocks.filter(p -> p.getFileName().toString().startsWith("loop")).toList()) {
        Path backing = loop.resolve("loop/backing_file");
        if (Files.exists(backing)) {
          n[0]++;
          if (Files.readString(backing).trim().startsWith(work)) {
            n[1]++;
          }
        }
      }
    } catch (IOException | UncheckedIOException e) {
      // detached while we looked
    }
    return n;
  }
}
