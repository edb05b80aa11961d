package dev.poc.spi;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The lifecycle every strategy registered on a runtime follows (namespaces, cgroups, networks).
 *
 * <ol>
 *   <li>{@link #prepare}: for every start, before the helper clones the container's init, in the
 *       order namespaces, cgroups, network, then the spec's rootfs. Reserve host resources, add
 *       what the helper must do inside to {@link StartContext#plan()}, and return an
 *       {@link Attachment} that holds them. If {@code prepare} throws, nothing of this strategy's
 *       may be left behind; the attachments already returned are closed in reverse order.
 *   <li>{@link Attachment#onCreated}: the init exists and builds its root, then waits; nothing of
 *       the user's has run. Host work the init needs only once its root is built (a group it joins
 *       late) goes here, beside the root's build rather than before the clone.
 *   <li>{@link Attachment#onExited}, then {@link Attachment#close}: the command has ended, or the
 *       start failed half-way (then only {@code close}). Closing is idempotent.
 *   <li>{@link #reclaim}: a new runtime on the same state root found the run directory of a
 *       container whose JVM died; undo whatever it left, from what this strategy wrote there.
 *   <li>{@link #prune}: remove what this strategy keeps for poc as a whole, once nothing uses it.
 * </ol>
 *
 * <p>Strategies are shared by every start of their runtime, across threads: keep per-container
 * state in the attachment, not in the strategy.
 */
public interface HostSetup {

  /**
   * Reserves host resources for the container about to start and adds what the helper must do
   * inside to {@code ctx.plan()}. Runs before the helper clones. On failure nothing of this
   * setup's may be left behind.
   */
  Attachment prepare(StartContext ctx) throws IOException;

  /**
   * Undoes whatever a container of this name left, after its JVM died. Must be idempotent and must
   * tolerate a run directory from before this setup existed or one this setup never wrote to.
   */
  void reclaim(String name, Path runDir) throws IOException;

  /** Removes every host object of this setup that exists for poc as a whole (prune). */
  default void prune() throws IOException {}
}
