package dev.poc.network.usermode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poc.state.RunState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shell that starts slirp4netns, with a stand-in for the tool: the readiness byte reaches the
 * JVM however late it comes, and the tool ends with the init it watches. No network is made.
 */
class SlirpLaunchTest {
  @TempDir
  Path dir;
  private Path runDir;
  private Process init;

  @BeforeEach
  void anInitToWatch() throws Exception {
    runDir = Files.createDirectory(dir.resolve("run"));
    init = new ProcessBuilder("sleep", "60").start();
    Files.writeString(runDir.resolve(SlirpProcess.INIT_FILE), init.pid() + "\n");
  }

  @AfterEach
  void nothingLeft() throws Exception {
    init.destroyForcibly().waitFor();
    SlirpProcess.reclaim(runDir);
    assertThat(runDir).isEmptyDirectory();
  }

  /** A stand-in for slirp4netns: {@code body}, then it waits for its exit descriptor (stdin) to close. */
  private Path tool(String body) throws Exception {
    Path tool = dir.resolve("fake-slirp4netns");
    Files.writeString(tool, "#!/bin/sh\n" + body + "\nexec cat >/dev/null\n");
    Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwx------"));
    return tool;
  }

  @Test
  void aReadinessByteWrittenLateIsReadEvenAfterTheShellHasExited() throws Exception {
    Process shell = SlirpProcess.launch(List.of(tool("sleep 0.3; printf 1 >&3").toString()), runDir);
    // The JVM's reaper swaps an exited process's stdout for what its pipe held at the exit: were
    // the shell gone before the byte came, this read would see the end of the stream.
    assertThat(shell.waitFor(10, TimeUnit.SECONDS)).as("the shell ended").isTrue();
    assertThat(shell.getInputStream().read()).as("the readiness byte").isEqualTo('1');

    int pid = Integer.parseInt(Files.readString(runDir.resolve(SlirpProcess.PID_FILE)).trim());
    long started = RunState.startTime(pid);
    assertThat(started).as("the tool %d runs on", pid).isPositive();
    init.destroyForcibly().waitFor();
    for (int i = 0; i < 500 && RunState.startTime(pid) == started; i++) {
      Thread.sleep(10); // the watcher sees the init go and closes the tool's exit descriptor
    }
    assertThat(RunState.startTime(pid)).as("the tool %d after the init it watched ended", pid).isNotEqualTo(started);
  }

  @Test
  void aToolThatEndsBeforeReadyEndsTheStreamAndLeavesItsWordsInTheLog() throws Exception {
    Process shell = SlirpProcess.launch(List.of(tool("echo 'no tap for you' >&2; exit 3").toString()), runDir);
    assertThat(shell.getInputStream().read()).as("no readiness byte").isEqualTo(-1);
    assertThat(shell.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.readString(runDir.resolve(SlirpProcess.LOG_FILE))).contains("no tap for you");
  }
}
