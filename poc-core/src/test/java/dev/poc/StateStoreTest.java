package dev.poc;

import dev.poc.host.Flock;
import dev.poc.state.JsonFiles;
import dev.poc.state.StateStore;
import dev.poc.state.StoredContainer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The state store: atomic JSON files, flocks, and one winner when two threads or JVMs build one name. */
class StateStoreTest extends StateRootTest {

  @BeforeEach
  void importBase() throws Exception {
    rt.images().importTarball(Images.DEFAULT, StorageFixtures.busyboxTarball(""));
  }

  @Test
  void jsonFilesAreReplacedWholeAndTornOnesAreReported() throws Exception {
    Path f = state.resolve("x.json");
    JsonFiles.write(f, Map.of("a", 1));
    JsonFiles.write(f, Map.of("a", 2, "b", "two"));
    assertThat(JsonFiles.read(f)).contains(Map.of("a", 2, "b", "two"));
    try (var siblings = Files.list(state)) {
      assertThat(siblings.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".tmp"));
    }
    assertThat(JsonFiles.read(state.resolve("missing.json"))).isEmpty();
    Files.writeString(f, "{\"a\": ");
    assertThatThrownBy(() -> JsonFiles.read(f)).isInstanceOf(IOException.class).hasMessageContaining("not valid JSON");
  }

  @Test
  void aBrokenRecordNamesItsFile() throws Exception {
    Path record = Files.createDirectories(state.resolve("containers/broken")).resolve(StateStore.CONTAINER_FILE);
    Files.writeString(record, "{\"name\": \"broken\"}");
    assertThatThrownBy(() -> rt.containers()).isInstanceOf(PocException.class).hasMessageContaining(record.toString())
        .hasMessageContaining("prune");
    Files.delete(record);
  }

  @Test
  void lockingInADirectoryThatIsGoneSaysSo() {
    assertThatThrownBy(() -> Flock.tryLock(state.resolve("gone/x.lock"))).isInstanceOf(java.nio.file.NoSuchFileException.class);
  }

  @Test
  void storedContainerRoundTrips() {
    StoredContainer c = new StoredContainer("n1", "default", "20G", 20L << 30, Instant.parse("2024-01-02T03:04:05Z"),
        StoredContainer.State.BUILDING);
    assertThat(StoredContainer.fromMap(c.toMap())).isEqualTo(c);
  }

  @Test
  void aFlockExcludesOtherThreadsOfThisJvm() throws Exception {
    Path lockFile = state.resolve("t.lock");
    try (Flock held = Flock.lock(lockFile)) {
      ExecutorService other = Executors.newSingleThreadExecutor();
      try {
        assertThat(other.submit(() -> Flock.tryLock(lockFile)).get()).isEmpty();
        CountDownLatch acquired = new CountDownLatch(1);
        Future<?> waiter = other.submit(() -> {
          try (Flock l = Flock.lock(lockFile)) {
            acquired.countDown();
          }
          return null;
        });
        assertThat(acquired.await(200, TimeUnit.MILLISECONDS)).isFalse();
        held.close();
        assertThat(acquired.await(5, TimeUnit.SECONDS)).isTrue();
        waiter.get();
      } finally {
        other.shutdownNow();
      }
    }
  }

  @Test
  void aLockerOfADeletedLockFileStartsOver() throws Exception {
    Path lockFile = state.resolve("d.lock");
    Flock first = Flock.lock(lockFile);
    ExecutorService other = Executors.newSingleThreadExecutor();
    try {
      Future<Flock> waiter = other.submit(() -> Flock.lock(lockFile)); // blocks on the old inode
      Thread.sleep(100);
      first.deleteFile();
      Flock newcomer = Flock.tryLock(lockFile).orElseThrow(); // a fresh file: free
      first.close();
      Thread.sleep(100);
      assertThat(waiter.isDone()).as("the waiter must not hold the deleted file's lock").isFalse();
      newcomer.close();
      waiter.get(5, TimeUnit.SECONDS).close();
    } finally {
      other.shutdownNow();
    }
  }

  @Test
  void twoThreadsBuildingOneNameGiveOneWinner() throws Exception {
    String name = TestRootfs.uniqueName("race");
    int threads = 4;
    CyclicBarrier start = new CyclicBarrier(threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<String>> results = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      // every other thread uses its own runtime on the same state root, as a second library user would
      ContainerRuntime r = i % 2 == 0 ? rt : ContainerRuntime.open(state);
      results.add(pool.submit(() -> {
        start.await();
        try {
          r.build(name, "64M");
          return "OK";
        } catch (NameInUseException e) {
          return "ERR " + e.getMessage();
        }
      }));
    }
    List<String> outcomes = new ArrayList<>();
    for (Future<String> f : results) {
      outcomes.add(f.get(60, TimeUnit.SECONDS));
    }
    pool.shutdown();
    System.out.println(outcomes);
    assertThat(outcomes).filteredOn("OK"::equals).hasSize(1);
    assertThat(outcomes).filteredOn(o -> o.startsWith("ERR")).hasSize(threads - 1)
        .allMatch(o -> o.contains(name) && (o.contains("already exists") || o.contains("being built")));
    assertThat(rt.containers()).singleElement().extracting(ContainerInfo::status).isEqualTo(ContainerInfo.Status.STOPPED);
    assertThat(StorageFixtures.loopsUnder(state)).hasSize(1);
    assertThat(StorageFixtures.run(rt, name, "echo works").out()).isEqualTo("works\n");
  }

  @Test
  void twoProcessesBuildingOneNameGiveOneWinner() throws Exception {
    String name = TestRootfs.uniqueName("xrace");
    List<Process> procs = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      procs.add(OtherJvm.spawn("build", state.toString(), name, "256M"));
    }
    List<java.io.BufferedReader> outs = new ArrayList<>();
    for (Process p : procs) {
      java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      assertThat(r.readLine()).isEqualTo("READY");
      outs.add(r);
    }
    for (Process p : procs) { // both are ready: let them go at once
      p.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
      p.getOutputStream().flush();
    }
    List<String> outcomes = new ArrayList<>();
    for (int i = 0; i < procs.size(); i++) {
      String out = outs.get(i).lines().reduce("", (a, b) -> a + b + "\n");
      assertThat(procs.get(i).waitFor(60, TimeUnit.SECONDS)).isTrue();
      outcomes.add(out.lines().filter(l -> l.startsWith("OK") || l.startsWith("ERR")).findFirst().orElse(out));
    }
    System.out.println(outcomes);
    assertThat(outcomes).filteredOn("OK"::equals).hasSize(1);
    assertThat(outcomes).filteredOn(o -> o.startsWith("ERR NameInUseException")).hasSize(1)
        .allMatch(o -> o.contains(name) && (o.contains("already exists") || o.contains("being built")));
    assertThat(rt.containers()).singleElement().extracting(ContainerInfo::diskSize).isEqualTo("256M");
    assertThat(StorageFixtures.run(rt, name, "df -k / | tail -1").exit()).isZero();
  }

  @Test
  void aBuildWhoseProcessDiedIsClearedByTheNextBuild() throws Exception {
    String name = TestRootfs.uniqueName("crashed");
    StateStore store = new StateStore(state);
    // what a JVM killed mid-mkfs leaves: a BUILDING record and a partial disk, no lock holder
    store.put(new StoredContainer(name, Images.DEFAULT, "64M", 64L << 20, Instant.now(), StoredContainer.State.BUILDING));
    Files.createDirectories(store.disk(name).dir());
    Files.writeString(store.disk(name).image(), "partial");
    assertThat(rt.containers()).singleElement().extracting(ContainerInfo::status).isEqualTo(ContainerInfo.Status.BUILDING);
    assertThatThrownBy(() -> StorageFixtures.run(rt, name, "true")).isInstanceOf(PocException.class)
        .hasMessageContaining("half-built");

    rt.build(name, "64M");
    assertThat(StorageFixtures.run(rt, name, "echo fine").out()).isEqualTo("fine\n");
  }

  @Test
  void aBuildInProgressIsNotTakenForACrashedOne() throws Exception {
    String name = TestRootfs.uniqueName("slow");
    StateStore store = new StateStore(state);
    store.put(new StoredContainer(name, Images.DEFAULT, "64M", 64L << 20, Instant.now(), StoredContainer.State.BUILDING));
    Files.createDirectories(store.disk(name).dir());
    try (Flock builder = Flock.lock(store.disk(name).lockFile())) { // the builder is alive
      assertThatThrownBy(() -> rt.build(name, "64M")).isInstanceOf(NameInUseException.class).hasMessageContaining("being built");
      assertThatThrownBy(() -> rt.remove(name, false)).isInstanceOf(NameInUseException.class);
    }
    rt.remove(name, false);
    assertThat(rt.containers()).isEmpty();
  }

  @Test
  void listingSkipsWhatIsNotPocs() throws Exception {
    Files.createDirectories(state.resolve("containers").resolve("not a name"));
    Files.createDirectories(state.resolve("containers").resolve("noRecord"));
    assertThat(rt.containers()).isEmpty();
    assertThat(StateStore.names(state.resolve("containers"))).containsExactly("noRecord");
  }
}
