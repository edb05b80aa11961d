package dev.poc.cgroup;

import dev.poc.host.Errno;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes a group's directories: rmdir first (the common case is an empty group, and then that is
 * all), else kill what is inside and try again after a pause that doubles each round. The number
 * of rounds is bounded: a group that will not empty is logged and left for reclaim or prune,
 * never spun on.
 */
final class GroupRemoval {
  private static final Logger LOG = LoggerFactory.getLogger(GroupRemoval.class);
  static final int ROUNDS = 14;
  private static final long FIRST_PAUSE_MS = 1;
  private static final long MAX_PAUSE_MS = 250;

  /** Kills everything in the group; called between rmdir attempts. */
  interface Killer {
    void killAll() throws IOException;
  }

  private GroupRemoval() {}

  /** Removes every directory in {@code dirs}; true when all are gone. */
  static boolean remove(List<Path> dirs, Killer killer) {
    List<Path> left = new ArrayList<>(dirs);
    long pause = FIRST_PAUSE_MS;
    int lastErrno = 0;
    for (int round = 0; round < ROUNDS; round++) {
      List<Path> busy = new ArrayList<>();
      for (Path dir : left) {
        int errno = CgroupFs.rmdir(dir);
        if (errno != 0) {
          busy.add(dir);
          lastErrno = errno;
        }
      }
      left = busy;
      if (left.isEmpty()) {
        return true;
      }
      try {
        killer.killAll();
      } catch (IOException e) {
        LOG.debug("killing the processes in {} failed: {}", left, e.toString());
      }
      if (!sleep(pause)) {
        break;
      }
      pause = Math.min(pause * 2, MAX_PAUSE_MS);
    }
    LOG.warn("cgroup {} could not be removed ({}): left for the next runtime's reclaim or poc prune", left,
        lastErrno == Errno.EBUSY ? "processes are still inside" : "errno " + lastErrno);
    return false;
  }

  private static boolean sleep(long ms) {
    try {
      Thread.sleep(ms);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
