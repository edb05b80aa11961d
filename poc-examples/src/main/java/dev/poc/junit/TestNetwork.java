package dev.poc.junit;

import dev.poc.NetworkSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@link NetworkSettings} that no one else on this host uses while they are held: a pair of /16
 * subnets {@code 10.X.0.0/16} (net-default) and {@code 10.X+1.0.0/16} (bridge), X even in 128..198,
 * that no route of the host's covers, reserved host-wide by a lock file in {@code /run/poc/junit} (rootless: {@code junit} in the user's own host state, see {@link dev.poc.PocSettings#hostState()}), with
 * a bridge {@code pocjX} and iptables chains {@code PJX-*} named after it. Two test classes, or two
 * test JVMs, holding one each never share a bridge, an address or a chain, so they may run in
 * parallel. Every {@link PocTest} class gets one for its runtime; a test that opens runtimes of its
 * own, or runs the CLI, reserves one with {@link #reserve()} and closes it when done (the lock dies
 * with its JVM too).
 */
public final class TestNetwork implements AutoCloseable {
  /** Where the reservations are held, one lock file per subnet pair. */
  public static final String LOCK_DIR = dev.poc.PocSettings.hostState().resolve("junit").toString();
  private static final int FIRST = 128;
  private static final int PAIRS = 36; // 10.128 .. 10.199

  private final int x;
  private final FileChannel channel;
  private final FileLock lock;
  private final NetworkSettings settings;

  private TestNetwork(int x, FileChannel channel, FileLock lock) {
    this.x = x;
    this.channel = channel;
    this.lock = lock;
    this.settings = NetworkSettings.builder()
        .defaultSubnet("10." + x + ".0.0/16")
        .bridgeSubnet("10." + (x + 1) + ".0.0/16")
        .bridgeName("pocj" + x)
        .chainPrefix("PJ" + x)
        .build();
  }

  /** Reserves a free pair; fails when all are held or routed. */
  public static TestNetwork reserve() {
    try {
      Files.createDirectories(Path.of(LOCK_DIR));
      List<Route> routes = Route.main();
      int start = ThreadLocalRandom.current().nextInt(PAIRS);
      for (int i = 0; i < PAIRS; i++) {
        int x = FIRST + 2 * ((start + i) % PAIRS);
        if (routes.stream().anyMatch(r -> r.overlaps(x))) {
          continue; // the host (or a run that crashed) uses it
        }
        TestNetwork held = tryLock(x);
        if (held != null) {
          return held;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reserving test subnets under " + LOCK_DIR + ": " + e.getMessage(), e);
    }
    throw new IllegalStateException("no free pair of test subnets in 10.128.0.0-10.199.255.255: every one is held by"
        + " a test (see the locks in " + LOCK_DIR + ", e.g. with lslocks) or routed on this host (ip route); "
        + "wait for other test runs to end, or remove the routes");
  }

  private static TestNetwork tryLock(int x) throws IOException {
    FileChannel ch = FileChannel.open(Path.of(LOCK_DIR, "10." + x + ".lock"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE);
    try {
      FileLock lock = ch.tryLock();
      if (lock != null) {
        return new TestNetwork(x, ch, lock);
      }
    } catch (OverlappingFileLockException e) {
      // this JVM holds it already
    }
    ch.close();
    return null;
  }

  /** The settings to open a runtime with ({@code ContainerRuntime.builder().network(...)}). */
  public NetworkSettings settings() {
    return settings;
  }

  /** Gives the pair back; remove the bridge and chains first ({@code runtime.pruneNetwork()}). */
  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException("releasing test subnets 10." + x + " in " + LOCK_DIR, e);
    }
  }

  @Override
  public String toString() {
    return "TestNetwork[" + settings.defaultSubnet() + ", " + settings.bridgeSubnet() + ", bridge "
        + settings.bridgeName() + ", chains " + settings.chainPrefix() + "-*]";
  }

  /** A route of the main table, from /proc/net/route (addresses in the kernel's byte order). */
  record Route(int destination, int mask) {
    static List<Route> main() throws IOException {
      return Files.readAllLines(Path.of("/proc/net/route")).stream().skip(1)
          .map(l -> l.trim().split("\\s+"))
          .filter(f -> f.length > 7)
          .map(f -> new Route(hostOrder(f[1]), hostOrder(f[7])))
          .filter(r -> r.mask != 0) // the default route covers everything and reserves nothing
          .toList();
    }

    private static int hostOrder(String hex) {
      int raw = Integer.parseUnsignedInt(hex, 16);
      return ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? Integer.reverseBytes(raw) : raw;
    }

    /** Whether this route's network meets 10.X.0.0/15. */
    boolean overlaps(int x) {
      int pair = (10 << 24) | (x << 16);
      int common = mask & 0xFFFE0000;
      return (destination & common) == (pair & common);
    }
  }
}
