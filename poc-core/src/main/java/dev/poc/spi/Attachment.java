package dev.poc.spi;

import dev.poc.ExitStatus;
import java.io.IOException;

/** What one {@link HostSetup} holds for one running container; closing it releases everything. */
public interface Attachment extends AutoCloseable {

  /**
   * The container's init exists (host pid {@code initPid}) and builds its root, then waits: nothing
   * of the user's has run. Place it in groups, make the groups it joins by
   * {@link HelperPlan#cgroupJoinLater} (it waits for them), move interfaces into its namespace. If
   * this throws, the start fails, the init is killed and every attachment is closed.
   */
  default void onCreated(int initPid) throws IOException {}

  /**
   * The container's command has ended with {@code status}; read final figures before anything is
   * removed. A setup that knows better (the OOM killer struck) returns a corrected status.
   */
  default ExitStatus onExited(ExitStatus status) {
    return status;
  }

  /** Releases everything; idempotent, never throws for what is already gone. */
  @Override
  void close();

  /** An attachment with nothing to do. */
  static Attachment none() {
    return () -> {};
  }
}
