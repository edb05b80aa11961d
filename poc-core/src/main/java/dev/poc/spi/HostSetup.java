package dev.poc.spi;

import java.io.IOException;

/**
 * One host-side mechanism around a container's life: cgroups, network, disk. The runtime calls
 * {@link #prepare} for every start, in registration order, and closes the returned attachments in
 * reverse order. A setup keeps whatever it needs to undo its work after a JVM crash in files under
 * {@link StartContext#runDir()}; {@link #reclaim} reads them back.
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
  void reclaim(String name, java.nio.file.Path runDir) throws IOException;

  /** Removes every host object of this setup that exists for poc as a whole (prune). */
  default void prune() throws IOException {}
}
