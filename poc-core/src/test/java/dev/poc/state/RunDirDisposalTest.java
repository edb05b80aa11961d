package dev.poc.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An ended container's run directory leaves its name at once (renamed aside) and is deleted in the
 * background; what is pending can be awaited, and what a dead JVM left aside is swept.
 */
class RunDirDisposalTest {
  @TempDir
  Path stateRoot;

  private Path runDir(String name) throws Exception {
    Path dir = Files.createDirectories(stateRoot.resolve("run").resolve(name));
    Files.writeString(dir.resolve("state.json"), "{}");
    Files.writeString(Files.createDirectories(dir.resolve("etc")).resolve("hosts"), "127.0.0.1 localhost\n");
    return dir;
  }

  private Path gone() {
    return stateRoot.resolve(RunDirDisposal.GONE);
  }

  private static long entries(Path dir) throws Exception {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.count();
    }
  }

  @Test
  void theNameIsFreeOnReturnAndTheTreeIsGoneOnceAwaited() throws Exception {
    Path dir = runDir("c1");
    RunDirDisposal.dispose(dir);
    assertThat(dir).doesNotExist();
    Files.createDirectory(dir); // a new start of the name makes its run directory at once
    RunDirDisposal.awaitAll();
    assertThat(RunDirDisposal.pending()).isZero();
    assertThat(entries(gone())).isZero();
    assertThat(dir).isEmptyDirectory();
  }

  @Test
  void aDirectoryThatIsGoneAlreadyIsNoError() throws Exception {
    RunDirDisposal.dispose(stateRoot.resolve("run").resolve("never-made"));
    RunDirDisposal.awaitAll();
    assertThat(entries(gone())).isZero();
  }

  @Test
  void withoutAPlaceToSetItAsideTheTreeIsDeletedAtOnce() throws Exception {
    Files.writeString(gone(), "a file where the directory would go");
    Path dir = runDir("c2");
    RunDirDisposal.dispose(dir);
    assertThat(dir).doesNotExist();
    assertThat(gone()).isRegularFile();
  }

  @Test
  void aSweepDeletesWhatWasLeftAsideLongEnoughAgoAndNothingYounger() throws Exception {
    // released (no state file left), its deletion not done: only its age tells a dead JVM's apart
    Path left = Files.createDirectories(gone().resolve("c3.dead"));
    Files.writeString(left.resolve("hosts"), "127.0.0.1 localhost\n");
    RunDirDisposal.sweep(stateRoot); // younger than a minute: perhaps a live JVM's, left alone
    assertThat(left).exists();
    RunDirDisposal.sweep(stateRoot, Duration.ZERO);
    assertThat(left).doesNotExist();
  }

  @Test
  void theHostReleaseRunsLaterHoldingTheNameAndAskingForTheNameFinishesItFirst() throws Exception {
    String name = "rdd-" + Long.toHexString(System.nanoTime());
    NameLock lock = NameLock.tryAcquire(name).orElseThrow();
    Path dir = runDir(name);
    AtomicReference<Boolean> lockedDuringRelease = new AtomicReference<>();
    CountDownLatch mayRelease = new CountDownLatch(1);
    RunDirDisposal.Pending pending = RunDirDisposal.dispose(dir, name, () -> {
      try {
        mayRelease.await(); // holds the disposal thread, if it took the job, until the name is asked for
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      lockedDuringRelease.set(Files.exists(NameLock.file(name)));
    }, lock::close);
    assertThat(dir).doesNotExist(); // the run directory's name is free at once
    assertThat(lockedDuringRelease.get()).as("released on return").isNull();
    mayRelease.countDown();
    Optional<NameLock> again = NameLock.tryAcquire(name); // finishes the release first
    assertThat(again).as("the name once its release is done").isPresent();
    again.get().close();
    assertThat(lockedDuringRelease.get()).as("the name was still held while its host side was released").isTrue();
    pending.settle(); // done already: returns at once
    RunDirDisposal.awaitAll();
    assertThat(RunDirDisposal.pending()).isZero();
    assertThat(entries(gone())).isZero();
  }

  @Test
  void aReleaseADeadJvmLeftIsReclaimedOnceItsNameIsFreeAndNotBefore() throws Exception {
    String name = "rdd-" + Long.toHexString(System.nanoTime());
    Path left = Files.createDirectories(gone().resolve(name + ".0123abcd"));
    Files.writeString(left.resolve("state.json"), "{}"); // its release never finished
    List<String> reclaimed = new ArrayList<>();
    try (NameLock other = NameLock.tryAcquire(name).orElseThrow()) { // a live process's new run of the name
      RunDirDisposal.sweep(stateRoot, (n, dir) -> reclaimed.add(n + " " + dir.getFileName()));
      assertThat(reclaimed).isEmpty();
      assertThat(left).exists();
    }
    RunDirDisposal.sweep(stateRoot, (n, dir) -> reclaimed.add(n + " " + dir.getFileName()));
    assertThat(reclaimed).containsExactly(name + " " + name + ".0123abcd");
    assertThat(left).doesNotExist(); // younger than a minute, but no live JVM's: its name was free
    assertThat(NameLock.file(name)).doesNotExist();
  }
}
