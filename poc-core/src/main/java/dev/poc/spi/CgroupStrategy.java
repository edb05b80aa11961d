package dev.poc.spi;

import dev.poc.Container;
import dev.poc.ContainerRuntime;
import dev.poc.ContainerStats;
import java.io.IOException;

/**
 * Puts each container in its control groups and enforces the spec's {@link dev.poc.Resources}.
 * The default puts container NAME in {@code poc/NAME} of every mounted hierarchy (v1, v2 or both)
 * and lets the init enter it before the command is forked. Set another with
 * {@link ContainerRuntime.Builder#cgroups(CgroupStrategy)}.
 */
public interface CgroupStrategy extends HostSetup {

  /**
   * Creates the container's group with its limits, and plans its entry
   * ({@link HelperPlan#cgroupBornIn} or {@link HelperPlan#cgroupJoin}); or creates only what the
   * clone needs and the rest in the group's {@link Attachment#onCreated}, planning that part's
   * entry with {@link HelperPlan#cgroupJoinLater}. The group reads the container's figures while
   * it runs.
   */
  @Override
  Group prepare(StartContext ctx) throws IOException;

  /**
   * The figures of a running container of this name that another process started (for
   * {@link ContainerRuntime#stats(String)}).
   *
   * @throws dev.poc.NotFoundException when it has no group
   */
  ContainerStats stats(String name);

  /** One container's group: {@link Container#stats()} reads it; closing removes it. */
  interface Group extends Attachment {

    /** The current figures while the container runs; its last ones after it ended. */
    ContainerStats stats();
  }
}
