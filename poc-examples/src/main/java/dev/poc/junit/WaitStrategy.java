package dev.poc.junit;

import java.time.Duration;

/** When a started container counts as ready. Make one with {@link Wait}. */
public interface WaitStrategy {
  /** Blocks until {@code container} is ready; throws {@link ContainerNotReadyException} when it is not in time. */
  void waitUntilReady(PocContainer container);

  /** The same strategy with another timeout. */
  WaitStrategy withTimeout(Duration timeout);
}
