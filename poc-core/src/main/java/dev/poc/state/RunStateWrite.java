package dev.poc.state;

import com.google.common.util.concurrent.Uninterruptibles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A container's run state written on a thread of its own while its start goes on: the init
 * builds its root and execs the command meanwhile, and the starting thread stays free to read
 * the init's words (for a short command, its exit). {@link #await} before the start returns.
 */
public final class RunStateWrite {
  /**
   * One thread, gone after 2 idle seconds: nothing of it outlives a program's last container for
   * long. While it writes one start's state, another start writes its own (no queue): a burst of
   * starts is not held up behind one thread.
   */
  private static final ExecutorService THREAD = new ThreadPoolExecutor(0, 1, 2, TimeUnit.SECONDS,
      new SynchronousQueue<>(), r -> {
        Thread t = new Thread(r, "poc-run-state");
        t.setDaemon(true);
        return t;
      }, new ThreadPoolExecutor.CallerRunsPolicy());

  private final Future<?> written;

  private RunStateWrite(Future<?> written) {
    this.written = written;
  }

  /** Starts writing {@code state} into {@code runDir} (see {@link RunState#write}). */
  public static RunStateWrite start(Path runDir, Map<String, Object> state) {
    return new RunStateWrite(THREAD.submit(() -> {
      RunState.write(runDir, state);
      return null;
    }));
  }

  /** Returns once the state is on disk; throws what writing it threw. */
  public void await() throws IOException {
    try {
      Uninterruptibles.getUninterruptibly(written);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new UncheckedIOException(new IOException("writing the run state failed", cause));
    }
  }

  /** {@link #await}, for a start that fails anyway: its run directory goes next, and no write may race that. */
  public void awaitQuietly() {
    try {
      await();
    } catch (IOException | RuntimeException e) {
      // the start's own failure is the one to report
    }
  }
}
