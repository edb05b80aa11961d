package dev.poc.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reaper on real veth pairs of the test's own (both ends in the host's namespace, no
 * traffic), with leases in a file of the test's own.
 */
class VethReaperTest {
  @TempDir Path dir;
  private final String tag = Integer.toHexString(0x10000 + ThreadLocalRandom.current().nextInt(0xeffff));
  private final List<String> made = new ArrayList<>();
  private final AddressAllocator.Janitor nothingGone = new AddressAllocator.Janitor() {
    @Override
    public void cleanUp(AddressAllocator.Lease lease) {}

    @Override
    public boolean reclaimIfGone(AddressAllocator.Lease lease) {
      return false;
    }
  };

  @AfterEach
  void removeWhatIsLeft() throws IOException {
    try (Rtnetlink nl = Rtnetlink.open()) {
      for (String name : made) {
        nl.deleteLink(name);
      }
    }
  }

  /** A veth pair {@code vrtTAGx} / {@code vrpTAGx}; returns the host end's index. */
  private int veth(String x) throws IOException {
    String host = "vrt" + tag + x;
    made.add(host);
    try (Rtnetlink nl = Rtnetlink.open()) {
      nl.createVeth(host, "vrp" + tag + x, (int) ProcessHandle.current().pid(), 0);
      return nl.link(host).orElseThrow().index();
    }
  }

  private boolean exists(String x) throws IOException {
    try (Rtnetlink nl = Rtnetlink.open()) {
      return nl.link("vrt" + tag + x).isPresent();
    }
  }

  private AddressAllocator pool() {
    return new AddressAllocator(dir, Ipv4Subnet.parse("10.9.0.0/22", "test"));
  }

  @Test
  void deletesTheVethAndThenFreesItsAddress() throws IOException {
    AddressAllocator pool = pool();
    AddressAllocator.Lease lease = pool.acquire("c", "/run/c", s -> false, nothingGone);
    int index = veth("a");
    VethReaper reaper = new VethReaper();
    reaper.submit("c", Rtnetlink.open(), index, pool, lease);
    reaper.drain();
    assertThat(exists("a")).isFalse();
    assertThat(pool.leases()).isEmpty();
    assertThat(reaper.pending()).isZero();
  }

  @Test
  void aLateJobLeavesTheVethAndLeaseOfANewerStartOfTheSameName() throws IOException {
    AddressAllocator pool = pool();
    AddressAllocator.Lease old = pool.acquire("c", "/run/c", s -> false, nothingGone);
    int oldIndex = veth("a");
    // A newer start of "c" (another JVM) took over: it removed the old veth and lease, and made its own.
    try (Rtnetlink nl = Rtnetlink.open()) {
      assertThat(nl.deleteLink("vrt" + tag + "a")).isTrue();
    }
    AddressAllocator.Lease newer = pool.acquire("c", "/run/c", s -> false, nothingGone);
    int newIndex = veth("a");
    assertThat(newIndex).isNotEqualTo(oldIndex);
    VethReaper reaper = new VethReaper();
    reaper.submit("c", Rtnetlink.open(), oldIndex, pool, old);
    reaper.drain();
    try (Rtnetlink nl = Rtnetlink.open()) {
      assertThat(nl.link("vrt" + tag + "a")).as("the newer veth of that name").hasValueSatisfying(
          l -> assertThat(l.index()).isEqualTo(newIndex));
    }
    assertThat(pool.leases()).containsExactly(newer);
  }

  @Test
  void settlingANameFinishesItsJobBeforeItReturns() throws IOException {
    AddressAllocator pool = pool();
    VethReaper reaper = new VethReaper();
    for (String x : List.of("a", "b", "c")) {
      AddressAllocator.Lease lease = pool.acquire(x, "/run/" + x, s -> false, nothingGone);
      reaper.submit(x, Rtnetlink.open(), veth(x), pool, lease);
    }
    reaper.settle("c");
    assertThat(exists("c")).isFalse();
    assertThat(pool.leases()).extracting(AddressAllocator.Lease::name).doesNotContain("c");
    reaper.drain();
    assertThat(exists("a")).isFalse();
    assertThat(exists("b")).isFalse();
    assertThat(pool.leases()).isEmpty();
    assertThat(reaper.pending()).isZero();
  }
}
