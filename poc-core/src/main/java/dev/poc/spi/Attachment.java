package dev.poc.spi;

import dev.poc.ExitStatus;
import java.io.IOException;

/** What one {@link HostSetup} holds for one running container; closing it releases everything. */
public interface Attachment extends AutoCloseable {

  /**
   * The helper has the plan and is cloning the init, which then builds its root: host work the
   * init needs only after that (a group it joins by {@link HelperPlan#cgroupJoinLater}, with its
   * limits) runs here, beside the clone rather than before it. The init may not exist yet, nor
   * any longer (a failed root); nothing of the user's has run. If this throws, the start fails
   * and every attachment is closed.
   */
  default void onPlanSent() throws IOException {}

  /**
   * The container's init exists (host pid {@code initPid}) and waits: nothing of the user's has run.
   * Place it in groups, move interfaces into its namespace.
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
