package dev.poc.network;

import dev.poc.ChildJvm;
import dev.poc.PocException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AddressAllocatorTest {
  @TempDir Path dir;

  /** A janitor that records what it is asked and calls leases gone when {@code gone} says so. */
  static final class RecordingJanitor implements AddressAllocator.Janitor {
    final List<String> cleaned = new ArrayList<>();
    Predicate<AddressAllocator.Lease> gone = l -> false;

    @Override
    public void cleanUp(AddressAllocator.Lease lease) {
      cleaned.add(lease.name());
    }

    @Override
    public boolean reclaimIfGone(AddressAllocator.Lease lease) {
      if (gone.test(lease)) {
        cleanUp(lease);
        return true;
      }
      return false;
    }
  }

  private final RecordingJanitor janitor = new RecordingJanitor();

  private AddressAllocator pool(String cidr) {
    return new AddressAllocator(dir, Ipv4Subnet.parse(cidr, "test"));
  }

  private int take(AddressAllocator p, String name) throws IOException {
    return p.acquire(name, "/run/" + name, slot -> false, janitor).slot();
  }

  @Test
  void anUnusedLeaseFileIsRemovedAndAUsedOneKept() throws Exception {
    AddressAllocator p = pool("10.77.0.0/16");
    Path file = dir.resolve("10.77.0.0_16.leases.json");
    take(p, "a");
    p.removeIfUnused();
    assertThat(file).exists(); // a lease is in it
    p.release("a", "/run/a");
    p.removeIfUnused();
    assertThat(file).doesNotExist();
    p.removeIfUnused(); // none: nothing to do
    assertThat(take(p, "b")).isEqualTo(1); // a new file, from the start
    assertThat(file).exists();
    // A process that opened the file before its removal reads the tombstone and opens it anew.
    p.release("b", "/run/b");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> all = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        String name = "c" + i;
        boolean takes = i % 2 == 0;
        all.add(pool.submit(() -> takes ? take(p, name) : removeQuietly(p)));
      }
      for (Future<?> f : all) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    assertThat(p.leases()).extracting(AddressAllocator.Lease::name)
        .containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.range(0, 20).mapToObj(i -> "c" + 2 * i).toList());
  }

  private static int removeQuietly(AddressAllocator p) throws IOException {
    p.removeIfUnused();
    return 0;
  }

  @Test
  void handsOutDistinctSlotsAndFailsClearlyWhenFull() throws IOException {
    AddressAllocator p = pool("10.9.0.0/22"); // blocks 1..3
    assertThat(List.of(take(p, "a"), take(p, "b"), take(p, "c"))).containsExactly(1, 2, 3);
    assertThatThrownBy(() -> take(p, "d")).isInstanceOf(PocException.class)
        .hasMessageContaining("no free address in 10.9.0.0/22").hasMessageContaining("3 blocks")
        .hasMessageContaining("NetworkSettings");
    assertThat(p.release("b", "/run/b")).isTrue();
    assertThat(take(p, "d")).isEqualTo(2);
  }

  @Test
  void aFreedSlotIsReusedOnlyAfterTheOthers() throws IOException {
    AddressAllocator p = pool("10.9.0.0/21"); // blocks 1..7
    assertThat(take(p, "a")).isEqualTo(1);
    assertThat(take(p, "b")).isEqualTo(2);
    p.release("a", "/run/a");
    assertThat(take(p, "c")).isEqualTo(3);
    for (String n : List.of("d", "e", "f", "g")) {
      take(p, n);
    }
    assertThat(take(p, "h")).isEqualTo(1); // wrapped around: the freed one
  }

  @Test
  void theSeedsOutOfOrderBugCannotHappen() throws IOException {
    // The seed: +256 on create, -256 on delete. a=1 b=2 c=3, delete a, counter back to 2: d = 3 = c.
    AddressAllocator p = pool("10.9.0.0/16");
    take(p, "a");
    take(p, "b");
    int c = take(p, "c");
    p.release("a", "/run/a");
    assertThat(take(p, "d")).isNotEqualTo(c);
  }

  @Test
  void randomFreesInAnyOrderNeverGiveASlotTwice() throws IOException {
    AddressAllocator p = pool("10.9.0.0/20"); // 15 blocks
    Random random = new Random(42);
    Map<String, Integer> live = new HashMap<>();
    for (int i = 0; i < 3000; i++) {
      if (!live.isEmpty() && (live.size() == 15 || random.nextBoolean())) {
        List<String> names = new ArrayList<>(live.keySet());
        String victim = names.get(random.nextInt(names.size()));
        assertThat(p.release(victim, "/run/" + victim)).isTrue();
        live.remove(victim);
      } else {
        String name = "c" + i;
        int slot = take(p, name);
        assertThat(live.values()).as("step %d", i).doesNotContain(slot);
        assertThat(slot).isBetween(1, 15);
        live.put(name, slot);
      }
      assertThat(p.leases().stream().collect(Collectors.toMap(AddressAllocator.Lease::name, AddressAllocator.Lease::slot)))
          .isEqualTo(live);
    }
  }

  @Test
  void survivesARestart() throws IOException {
    AddressAllocator p = pool("10.9.0.0/16");
    take(p, "a");
    take(p, "b");
    AddressAllocator reopened = pool("10.9.0.0/16");
    assertThat(reopened.leases()).extracting(AddressAllocator.Lease::name).containsExactly("a", "b");
    assertThat(take(reopened, "c")).isEqualTo(3);
    assertThat(reopened.release("a", "/run/a")).isTrue();
    assertThat(pool("10.9.0.0/16").leases()).extracting(AddressAllocator.Lease::name).containsExactly("b", "c");
  }

  @Test
  void onlyTheOwnerReleases() throws IOException {
    AddressAllocator p = pool("10.9.0.0/16");
    take(p, "a");
    assertThat(p.release("a", "/elsewhere/a")).isFalse();
    assertThat(p.release("b", "/run/b")).isFalse();
    assertThat(p.leases()).hasSize(1);
    AddressAllocator.releaseEverywhere(dir, "a", "/run/a");
    assertThat(p.leases()).isEmpty();
  }

  @Test
  void aLateReleaseOfAnEarlierStartLeavesTheLeaseOfTheNextStartOfThatName() throws IOException {
    AddressAllocator p = pool("10.9.0.0/22"); // three slots: the same slot may well come back
    AddressAllocator.Lease first = p.acquire("a", "/run/a", s -> false, janitor);
    AddressAllocator.Lease second = p.acquire("a", "/run/a", s -> false, janitor); // same name, same run dir
    assertThat(second.start()).isNotEqualTo(first.start());
    assertThat(p.release(first)).as("the first start's lease, dropped when the name started again").isFalse();
    assertThat(p.leases()).containsExactly(second);
    AddressAllocator.Lease reopened = pool("10.9.0.0/22").leases().get(0);
    assertThat(reopened).as("the start survives the file").isEqualTo(second);
    assertThat(p.release(reopened)).isTrue();
    assertThat(p.leases()).isEmpty();
  }

  @Test
  void aFirstLookSaysWhetherTheFileMayHoldAText() throws IOException {
    AddressAllocator p = pool("10.9.0.0/16");
    assertThat(p.mayMention("/run/")).as("no file yet").isFalse();
    take(p, "a");
    assertThat(p.mayMention("/run/")).isTrue();
    assertThat(p.mayMention("/elsewhere/")).isFalse();
    assertThat(p.mayMention("/odd\"dir/")).as("a text JSON escapes: only parsing can tell").isTrue();
  }

  @Test
  void reclaimingSomeLeasesAsksOnlyAboutThoseAndMakesNoFile() throws IOException {
    AddressAllocator p = pool("10.9.0.0/16");
    assertThat(p.reclaimAll(janitor, l -> true)).isZero();
    assertThat(dir.resolve("10.9.0.0_16.leases.json")).doesNotExist();
    take(p, "a");
    take(p, "b");
    janitor.gone = l -> true;
    assertThat(p.reclaimAll(janitor, l -> l.name().equals("b"))).isEqualTo(1);
    assertThat(janitor.cleaned).containsExactly("b");
    assertThat(p.leases()).extracting(AddressAllocator.Lease::name).containsExactly("a");
  }

  @Test
  void aNameStartedAgainDropsWhatItsGoneRunLeft() throws IOException {
    AddressAllocator p = pool("10.9.0.0/16");
    p.acquire("a", "/old/a", s -> false, janitor);
    AddressAllocator.Lease again = p.acquire("a", "/new/a", s -> false, janitor);
    assertThat(janitor.cleaned).containsExactly("a");
    assertThat(p.leases()).containsExactly(again);
    assertThat(again.owner()).isEqualTo("/new/a");
  }

  @Test
  void aFullSubnetReclaimsLeasesOfContainersThatAreGone() throws IOException {
    AddressAllocator p = pool("10.9.0.0/22");
    take(p, "a");
    int b = take(p, "b");
    take(p, "c");
    janitor.gone = l -> l.name().equals("b");
    assertThat(take(p, "d")).isEqualTo(b);
    assertThat(janitor.cleaned).containsExactly("b");
    assertThat(p.leases()).extracting(AddressAllocator.Lease::name).containsExactlyInAnyOrder("a", "c", "d");
  }

  @Test
  void skipsBlocksTheHostAlreadyUses() throws IOException {
    AddressAllocator p = pool("10.9.0.0/16");
    assertThat(p.acquire("a", "/run/a", slot -> slot < 5, janitor).slot()).isEqualTo(5);
  }

  @Test
  void aDamagedFileIsReportedWithWhatToDo() throws IOException {
    Files.writeString(dir.resolve("10.9.0.0_16.leases.json"), "{\"next\": 1, \"leases\": [");
    assertThatThrownBy(() -> take(pool("10.9.0.0/16"), "a")).isInstanceOf(PocException.class)
        .hasMessageContaining("10.9.0.0_16.leases.json").hasMessageContaining("delete the file");
  }

  @Test
  void threadsWithTheirOwnAllocatorsNeverShareASlot() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<List<Integer>>> results = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        int thread = t;
        results.add(pool.submit(() -> {
          AddressAllocator mine = pool("10.9.0.0/16");
          List<Integer> slots = new ArrayList<>();
          for (int i = 0; i < 12; i++) {
            slots.add(mine.acquire("t" + thread + "-" + i, "/run/t" + thread, s -> false, janitor).slot());
            if (i % 3 == 0) {
              mine.release("t" + thread + "-" + i, "/run/t" + thread);
              slots.remove(slots.size() - 1);
            }
          }
          return slots;
        }));
      }
      Set<Integer> all = new HashSet<>();
      int count = 0;
      for (Future<List<Integer>> f : results) {
        all.addAll(f.get());
        count += f.get().size();
      }
      assertThat(all).hasSize(count);
      assertThat(pool("10.9.0.0/16").leases()).hasSize(count);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void processesSharingTheFileNeverShareASlot() throws Exception {
    List<Process> children = new ArrayList<>();
    for (int c = 0; c < 3; c++) {
      children.add(ChildJvm.start(AllocatorChild.class, dir.toString(), "10.9.0.0/16", "p" + c, "40"));
    }
    for (Process p : children) {
      assertThat(p.waitFor()).as(new String(p.getErrorStream().readAllBytes())).isZero();
    }
    List<AddressAllocator.Lease> leases = pool("10.9.0.0/16").leases();
    assertThat(leases).hasSize(120);
    assertThat(leases.stream().map(AddressAllocator.Lease::slot).distinct()).hasSize(120);
  }

  /** Takes {@code count} leases named PREFIX-i, as a separate process would. */
  static final class AllocatorChild {
    public static void main(String[] args) throws IOException {
      AddressAllocator p = new AddressAllocator(Path.of(args[0]), Ipv4Subnet.parse(args[1], "child"));
      RecordingJanitor j = new RecordingJanitor();
      for (int i = 0; i < Integer.parseInt(args[3]); i++) {
        p.acquire(args[2] + "-" + i, "/run/" + args[2], s -> false, j);
      }
    }
  }
}
