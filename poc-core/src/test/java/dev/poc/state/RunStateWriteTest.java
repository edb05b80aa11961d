package dev.poc.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run state written beside a start: on disk once awaited, and a failed write reported to the start. */
class RunStateWriteTest {
  @TempDir
  Path runDir;

  @Test
  void theStateIsReadBackOnceAwaited() throws Exception {
    RunStateWrite w = RunStateWrite.start(runDir, Map.of("name", "w1", "initPid", 42));
    w.await();
    assertThat(RunState.read(runDir)).hasValueSatisfying(s -> assertThat(s).containsEntry("name", "w1").containsEntry("initPid", 42));
  }

  @Test
  void aWriteThatFailedThrowsItsIoErrorFromAwait() {
    Path gone = runDir.resolve("no-such-run-dir");
    RunStateWrite w = RunStateWrite.start(gone, Map.of("name", "w2"));
    assertThatThrownBy(w::await).isInstanceOf(IOException.class).hasMessageContaining("no-such-run-dir");
    w.awaitQuietly(); // the start's failure path: no second throw
  }
}
