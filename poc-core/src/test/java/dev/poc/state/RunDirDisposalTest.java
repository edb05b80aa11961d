package dev.poc.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
    Path left = Files.createDirectories(gone().resolve("c3.dead"));
    Files.writeString(left.resolve("state.json"), "{}");
    RunDirDisposal.sweep(stateRoot); // younger than a minute: perhaps a live JVM's, left alone
    assertThat(left).exists();
    RunDirDisposal.sweep(stateRoot, Duration.ZERO);
    assertThat(left).doesNotExist();
  }
}
