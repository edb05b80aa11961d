package dev.poc.launch;

import dev.poc.ExitStatus;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** How a container or an exec ended, once it has: the waits both offer. */
public final class ExitFuture extends CompletableFuture<ExitStatus> {

  /** Waits until it has ended. */
  public ExitStatus await() throws InterruptedException {
    try {
      return get();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  /** Waits up to {@code timeout}; true when it ended in time. */
  public boolean await(Duration timeout) throws InterruptedException {
    try {
      get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  /** The status; {@code what} ("container 'x'") names it in the error when it still runs. */
  public ExitStatus ended(String what) {
    if (!isDone()) {
      throw new IllegalStateException(what + " is still running: call waitFor() first");
    }
    return join();
  }
}
