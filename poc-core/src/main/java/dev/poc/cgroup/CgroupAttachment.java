package dev.poc.cgroup;

import dev.poc.ContainerStats;
import dev.poc.ExitStatus;
import dev.poc.PocException;
import dev.poc.spi.CgroupStrategy;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One container's cgroup: reads its figures and OOM count, removes it. */
public final class CgroupAttachment implements CgroupStrategy.Group {
  private static final Logger LOG = LoggerFactory.getLogger(CgroupAttachment.class);
  private static final int SIGKILL = 9;

  private final Cgroups cgroups;
  private final String name;
  private final List<Path> madeAncestors;
  private final Completion completion;
  private volatile ContainerStats last;
  private boolean closed;

  /** What is left to make of the group once the plan is sent (the rest of it, its limits). */
  interface Completion {
    void run() throws IOException;
  }

  /** {@code madeAncestors}: the parent groups its start made (deepest first), removed after it when empty. */
  CgroupAttachment(Cgroups cgroups, String name, List<Path> madeAncestors) {
    this(cgroups, name, madeAncestors, () -> {});
  }

  /** {@code completion}: run by {@link #onCreated}, before the init joins what it makes. */
  CgroupAttachment(Cgroups cgroups, String name, List<Path> madeAncestors, Completion completion) {
    this.cgroups = cgroups;
    this.name = name;
    this.madeAncestors = List.copyOf(madeAncestors);
    this.completion = completion;
  }

  /** The rest of the group and its limits, while the init builds its root; a failure leaves it to {@link #close}. */
  @Override
  public void onCreated(int initPid) throws IOException {
    completion.run();
  }

  /**
   * A SIGKILL while the group's own OOM counter is above zero is the OOM killer's; the counter of
   * a new group starts at 0, so nothing else can have raised it.
   */
  @Override
  public ExitStatus onExited(ExitStatus status) {
    try {
      last = read();
    } catch (IOException | RuntimeException e) {
      LOG.warn("reading the final figures of '{}' from its cgroup failed: {}", name, e.toString());
      return status;
    }
    if (last.oomKilled() && status.reason() != ExitStatus.Reason.EXITED && status.signal() == SIGKILL) {
      return status.asOomKill();
    }
    return status;
  }

  /** The current figures while the container runs, its last ones after it ended. */
  @Override
  public ContainerStats stats() {
    ContainerStats ended = last;
    if (ended != null) {
      return ended;
    }
    try {
      return read();
    } catch (IOException | RuntimeException e) {
      if (last != null) {
        return last; // it ended while we read
      }
      throw new PocException("reading the figures of container '" + name + "' from its cgroup failed: " + e.getMessage(), e);
    }
  }

  private ContainerStats read() throws IOException {
    ContainerStats.Builder b = ContainerStats.builder();
    cgroups.readStats(name, b);
    return b.build();
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      cgroups.remove(name);
      madeAncestors.forEach(CgroupFs::rmdir);
    }
  }

  @Override
  public String toString() {
    return "cgroup " + (cgroups.parent().isEmpty() ? "" : cgroups.parent() + "/") + name;
  }
}
