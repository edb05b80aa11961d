package dev.poc.bench;

import dev.poc.ContainerRuntime;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * Everything the scenarios share for one run: a work directory (busybox root, poc's state root,
 * OCI bundles and state), poc's runtime, runc and crun, the name generator. Closing it prunes poc's
 * state root (containers, disks, images), checks that nothing stayed mounted, and deletes the work
 * directory.
 */
final class BenchEnv implements AutoCloseable {
  /** The bare floor: the five namespaces and a fork, nothing else. */
  static final List<String> FLOOR = List.of("unshare", "-p", "-f", "-m", "-i", "-u", "-n", "true");

  final Path workDir;
  final Path rootfs;
  final Path stateRoot;
  final Names names = new Names();
  final ContainerRuntime poc;
  final PocTrials pocTrials;
  final OciRuntime runc;
  final OciRuntime crun;
  final PrintStream log;

  private BenchEnv(Path workDir, PrintStream log) throws IOException, InterruptedException {
    this.workDir = workDir;
    this.log = log;
    this.rootfs = BusyboxTree.make(workDir.resolve("busybox"));
    this.stateRoot = workDir.resolve("poc-state");
    this.poc = ContainerRuntime.builder().stateRoot(stateRoot).network(HostNetwork.privateSettings(names)).build();
    this.pocTrials = new PocTrials(poc, rootfs, names);
    this.runc = OciRuntime.runc(workDir);
    this.crun = OciRuntime.crun(workDir);
  }

  static BenchEnv open(Path parent, PrintStream log) throws IOException, InterruptedException {
    Files.createDirectories(parent);
    return new BenchEnv(Files.createTempDirectory(parent.toAbsolutePath(), "run-"), log);
  }

  /**
   * Runs {@code n} poc containers first: HotSpot compiles a method after some hundreds of calls,
   * and a benchmark of a long-lived JVM (a test suite starting many containers) should not time
   * poc's start path in the interpreter. runc, crun and the floor are programs: nothing to warm.
   */
  void warmUpJit(int n) throws Exception {
    Trial t = pocTrials.startToExit(b -> b);
    for (int i = 0; i < n; i++) {
      t.run();
    }
    log.println("JIT warm-up: " + n + " poc containers started");
  }

  /** The floor, spawned from this JVM like every other variant. */
  Trial floor() {
    return () -> HostCommand.timeToExit(FLOOR);
  }

  /** {@code runtime run} of a bundle, to its exit, with a fresh container id each time. */
  Trial oci(OciRuntime runtime, Path bundle) {
    return () -> HostCommand.timeToExit(runtime.run(bundle, names.next()));
  }

  /** The crun wrapper alone, exec'ing {@code true} where it would exec crun. */
  Trial crunWrapperAlone() {
    List<String> cmd = new java.util.ArrayList<>(crun.wrapper());
    cmd.add("true");
    return () -> HostCommand.timeToExit(cmd);
  }

  Path bundle(String name, List<String> args, OptionalLong memoryBytes) throws IOException {
    return OciBundle.write(workDir.resolve("bundles").resolve(name), rootfs, args, memoryBytes);
  }

  /** Whether runc and crun are installed; when not, their rows say so instead of failing the run. */
  boolean hasOciRuntimes() {
    return runc.available() && crun.available();
  }

  @Override
  public void close() throws IOException {
    poc.prune(); // stops what runs, removes the disks and images of this run's state root
    poc.close();
    List<String> mounts = Leftovers.find(names.prefix(), workDir, stateRoot).stream().filter(s -> s.startsWith("mount ")).toList();
    if (!mounts.isEmpty()) {
      log.println("not deleting " + workDir + ": still mounted there: " + mounts);
      return;
    }
    try (Stream<Path> walk = Files.walk(workDir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
