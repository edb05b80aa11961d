package dev.poc.bench;

import dev.poc.Container;
import dev.poc.Network;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Whether poc really applies what scenario 2 times. A spec accepts {@code memory(...)} and
 * {@code network(BRIDGE)} before the cgroups and network layers exist; timing them then would
 * time nothing, so each is probed on the host first and its rows left out (and said so) if absent.
 */
final class Features {
  static final long LIMIT = 64L << 20;

  private Features() {}

  /** Empty when a 64M limit shows up in a cgroup named after the container; else why not. */
  static Optional<String> memoryLimitMissing(BenchEnv env) throws Exception {
    Container c = env.pocTrials.spec("sleep", "600").memory("64M").start();
    try {
      return findLimit(c.name()) ? Optional.empty()
          : Optional.of("a container started with .memory(\"64M\") has no cgroup with that limit on the host "
              + "(the cgroups layer is not in this build yet)");
    } finally {
      c.stop(Duration.ofSeconds(5));
    }
  }

  /** Empty when a BRIDGE container gets an address; else why not. */
  static Optional<String> bridgeMissing(BenchEnv env) throws Exception {
    Container c = env.pocTrials.spec("sleep", "600").network(Network.BRIDGE).start();
    try {
      return c.address().isPresent() ? Optional.empty()
          : Optional.of("a container started with .network(Network.BRIDGE) has no address "
              + "(the network layer is not in this build yet)");
    } finally {
      c.stop(Duration.ofSeconds(5));
    }
  }

  /** Whether poc puts a container without limits in a cgroup of its own. */
  static boolean cgroupPerContainer(BenchEnv env) throws Exception {
    Container c = env.pocTrials.spec("sleep", "600").start();
    try (Stream<Path> walk = Files.walk(Path.of("/sys/fs/cgroup"), 4)) {
      return walk.anyMatch(p -> p.getFileName() != null && p.getFileName().toString().equals(c.name()));
    } finally {
      c.stop(Duration.ofSeconds(5));
    }
  }

  private static boolean findLimit(String name) throws IOException {
    try (Stream<Path> walk = Files.walk(Path.of("/sys/fs/cgroup"), 4)) {
      return walk.filter(p -> p.getFileName() != null && p.getFileName().toString().equals(name))
          .anyMatch(Features::hasLimit);
    }
  }

  private static boolean hasLimit(Path cgroup) {
    for (String file : new String[] {"memory.limit_in_bytes", "memory.max"}) {
      try {
        if (Long.parseLong(Files.readString(cgroup.resolve(file)).trim()) == LIMIT) {
          return true;
        }
      } catch (IOException | NumberFormatException e) {
        // not this controller, or "max": look on
      }
    }
    return false;
  }
}
