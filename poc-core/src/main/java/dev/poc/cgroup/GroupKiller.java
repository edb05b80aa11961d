package dev.poc.cgroup;

import dev.poc.host.Errno;
import dev.poc.host.Posix;
import dev.poc.host.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * SIGKILLs the processes listed in a group's {@code cgroup.procs} where the kernel offers no
 * {@code cgroup.kill}. A pid read from that file may have been reused by the time it is signalled,
 * so each one is pinned with a pidfd and its membership checked again before the signal: a
 * stranger that inherited the number is never hit.
 */
final class GroupKiller {
  private static final int SIGKILL = 9;

  private GroupKiller() {}

  /**
   * Sends SIGKILL to every process in the group directories {@code dirs} whose
   * {@code /proc/PID/cgroup} still names {@code groupPath} (e.g. {@code /poc/test0}).
   *
   * @return how many processes were signalled
   */
  static int killAll(List<Path> dirs, String groupPath) throws IOException {
    Set<Integer> pids = new LinkedHashSet<>();
    for (Path dir : dirs) {
      pids.addAll(CgroupFs.procs(dir));
    }
    int n = 0;
    for (int pid : pids) {
      if (killIfMember(pid, groupPath)) {
        n++;
      }
    }
    return n;
  }

  private static boolean killIfMember(int pid, String groupPath) {
    int fd = Syscalls.pidfdOpen(pid);
    if (fd == -Errno.ENOSYS) {
      // a kernel before 5.3: the check-then-kill window cannot be closed; keep it short
      return isMember(pid, groupPath) && Posix.kill(pid, SIGKILL);
    }
    if (fd < 0) {
      return false; // gone already
    }
    try {
      // fd pins one process: /proc/PID names that process for as long as it lives
      return isMember(pid, groupPath) && Syscalls.pidfdSendSignal(fd, SIGKILL) == 0;
    } finally {
      Posix.close(fd);
    }
  }

  /** Whether {@code /proc/PID/cgroup} has {@code groupPath} in any hierarchy. */
  static boolean isMember(int pid, String groupPath) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "cgroup"))) {
        if (line.endsWith(":" + groupPath)) {
          return true;
        }
      }
    } catch (IOException e) {
      // the process is gone
    }
    return false;
  }
}
