package dev.poc.junit;

import dev.poc.ContainerRuntime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * One test class's runtime, on a temporary state root and a {@link TestNetwork} of its own; closed
 * by JUnit after the class, which stops whatever still runs, removes the class's bridge and
 * iptables chains, gives its subnets back and removes the state root.
 */
final class ClassRuntime implements AutoCloseable { // JUnit (5.13 on) closes AutoCloseable values of a store
  private final Path stateRoot;
  private final TestNetwork network;
  private final ContainerRuntime runtime;

  ClassRuntime(String owner) {
    try {
      stateRoot = Files.createTempDirectory("poc-junit-" + owner + "-");
    } catch (IOException e) {
      throw new UncheckedIOException("creating a state root for " + owner + " in " + System.getProperty("java.io.tmpdir"), e);
    }
    network = TestNetwork.reserve();
    try {
      runtime = ContainerRuntime.builder().stateRoot(stateRoot).network(network.settings()).build();
    } catch (RuntimeException e) {
      network.close();
      throw e;
    }
  }

  ContainerRuntime runtime() {
    return runtime;
  }

  Path stateRoot() {
    return stateRoot;
  }

  @Override
  public void close() throws IOException {
    try {
      runtime.close();
      runtime.pruneNetwork();
    } finally {
      network.close();
    }
    if (isMountedUnder(stateRoot)) {
      return; // never delete through a mount; poc prune or the next runtime reclaims it
    }
    try (Stream<Path> all = Files.walk(stateRoot)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static boolean isMountedUnder(Path dir) throws IOException {
    String prefix = dir.toRealPath() + "/";
    try (Stream<String> lines = Files.lines(Path.of("/proc/self/mountinfo"))) {
      return lines.map(l -> l.split(" ")[4]).anyMatch(mp -> mp.startsWith(prefix));
    }
  }
}
