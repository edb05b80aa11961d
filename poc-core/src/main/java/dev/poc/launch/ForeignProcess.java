package dev.poc.launch;

import dev.poc.state.RunState;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;

/**
 * A poc-init that another process started ({@link InitSpawner}) and will reap, seen from this JVM
 * as a {@link Process}: alive while its pid still has the start time it had when adopted (a zombie
 * counts as ended: only its parent has not noticed), killed through a pidfd. Its exit status is
 * its parent's to read, so {@link #exitValue()} reports -1; its stdio is the caller's, so there are
 * no streams.
 */
final class ForeignProcess extends Process {
  private final int pid;
  private final long startTime;

  ForeignProcess(int pid) {
    this.pid = pid;
    this.startTime = RunState.startTime(pid);
  }

  @Override
  public long pid() {
    return pid;
  }

  @Override
  public boolean isAlive() {
    return startTime >= 0 && RunState.startTime(pid) == startTime;
  }

  @Override
  public int waitFor() throws InterruptedException {
    while (isAlive()) {
      Thread.sleep(1); // not our child: no waitpid; the helper leaves right after CREATED
    }
    return -1;
  }

  @Override
  public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    while (isAlive()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(1);
    }
    return true;
  }

  @Override
  public int exitValue() {
    if (isAlive()) {
      throw new IllegalThreadStateException("poc-init " + pid + " has not exited");
    }
    return -1;
  }

  @Override
  public void destroy() {
    destroyForcibly();
  }

  @Override
  public Process destroyForcibly() {
    PidHandle.ifStartedAt(pid, startTime).ifPresent(h -> {
      try (h) {
        h.signal(9);
      }
    });
    return this;
  }

  @Override
  public OutputStream getOutputStream() {
    return OutputStream.nullOutputStream();
  }

  @Override
  public InputStream getInputStream() {
    return InputStream.nullInputStream();
  }

  @Override
  public InputStream getErrorStream() {
    return InputStream.nullInputStream(); // its stderr is the caller's, where poc-init wrote
  }
}
