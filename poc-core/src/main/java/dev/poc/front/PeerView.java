package dev.poc.front;

import dev.poc.host.LibC;
import dev.poc.host.Syscalls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a process sees of the host and may do there, read by the create server from /proc (never
 * from what the caller says of itself): its namespaces, root directory (a chroot shows as another
 * one), working directory, uids, gids and groups, capabilities, no_new_privs, seccomp mode and filter
 * count (any filter at all: not served), LSM label, umask, cgroup, and its environment (the server compares the part it reads). The server answers a caller
 * only when its view equals the server's own ({@link #difference}); a create made for the caller
 * then cannot do more than the caller itself could.
 *
 * <p>The caller is pinned with SO_PEERPIDFD (Linux 6.5): the pidfd names the very process that
 * connected, its pid is read from the pidfd's fdinfo, and the pidfd is checked to be alive after
 * /proc/PID was read, so the pid cannot have been reused by another process meanwhile. Without
 * SO_PEERPIDFD the caller cannot be pinned and is not served.
 *
 * <p>Seccomp: /proc shows a process's mode and filter count, not what its filters allow, so two
 * processes with as many filters may be allowed different things: a caller or server under any
 * seccomp filter (mode not 0) is not served. Landlock domains do not show in /proc at all: a caller
 * that restricted itself with Landlock is served as if it had not (the server then does what the
 * caller's domain would have refused); run such a caller with {@code POC_SERVER=off}.
 */
public record PeerView(String namespaces, String root, String cwd, String credentials, String lsm, String umask,
    String cgroup, Map<String, String> env) {
  private static final int SOL_SOCKET = 1;
  private static final int SO_PEERPIDFD = 77;
  private static final List<String> NAMESPACES = List.of("mnt", "pid", "net", "cgroup", "user", "ipc", "uts", "time");
  private static final List<String> STATUS_KEYS = List.of("Uid:", "Gid:", "Groups:", "CapInh:", "CapPrm:", "CapEff:",
      "CapBnd:", "CapAmb:", "NoNewPrivs:", "Seccomp:", "Seccomp_filters:");

  /** This process's view. */
  public static PeerView own() throws IOException {
    return read(Path.of("/proc/self"));
  }

  /**
   * The view of the process at the other end of the connected unix socket {@code fd}, pinned by
   * its pidfd; an IOException (the caller is not served) when it cannot be read or pinned.
   */
  public static PeerView ofPeer(int fd) throws IOException {
    int[] pidfd = {-1};
    int[] length = {4};
    if (LibC.get().getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, pidfd, length) != 0 || pidfd[0] < 0) {
      throw new IOException("cannot pin the caller (SO_PEERPIDFD, Linux 6.5 or later)");
    }
    try {
      int pid = pidOf(pidfd[0]);
      if (pid <= 0) {
        throw new IOException("the caller has left, or is in a pid namespace this server cannot see");
      }
      PeerView view = read(Path.of("/proc", Integer.toString(pid)));
      if (Syscalls.pidfdSendSignal(pidfd[0], 0) != 0) {
        throw new IOException("the caller left while it was being looked at");
      }
      return view;
    } finally {
      LibC.get().close(pidfd[0]);
    }
  }

  /** The pid a pidfd names, from its fdinfo's "Pid:" line (0 or -1: gone or not visible). */
  private static int pidOf(int pidfd) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo", Integer.toString(pidfd)))) {
      if (line.startsWith("Pid:")) {
        return Integer.parseInt(line.substring(4).trim());
      }
    }
    throw new IOException("fd " + pidfd + " is no pidfd");
  }

  private static PeerView read(Path proc) throws IOException {
    List<String> links = new ArrayList<>();
    for (String ns : NAMESPACES) {
      Path link = proc.resolve("ns").resolve(ns);
      if (ns.equals("time") && !Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
        continue; // kernels before 5.6
      }
      links.add(Files.readSymbolicLink(link).toString());
    }
    // a chroot shows both as another path and as another inode (the inode settles bind mounts)
    Path root = proc.resolve("root");
    Object rootKey = Files.readAttributes(root, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
    String rootText = Files.readSymbolicLink(root) + " " + rootKey;
    String cwd = Files.readSymbolicLink(proc.resolve("cwd")).toString();
    List<String> status = Files.readAllLines(proc.resolve("status"));
    List<String> creds = new ArrayList<>();
    String umask = null;
    for (String line : status) {
      for (String key : STATUS_KEYS) {
        if (line.startsWith(key)) {
          creds.add(key + line.substring(key.length()).trim().replaceAll("\\s+", " "));
        }
      }
      if (line.startsWith("Umask:")) {
        umask = line.substring(6).trim();
      }
    }
    if (umask == null) {
      throw new IOException(proc + "/status has no Umask line (Linux 4.7 or later has)");
    }
    String lsm;
    try {
      lsm = Files.readString(proc.resolve("attr/current")).trim();
    } catch (IOException e) {
      lsm = "(none: " + e.getClass().getSimpleName() + ")"; // no LSM: unreadable for every process alike
    }
    String cgroup = Files.readString(proc.resolve("cgroup"));
    Map<String, String> env = new HashMap<>();
    for (String entry : new String(Files.readAllBytes(proc.resolve("environ")), StandardCharsets.UTF_8).split("\0")) {
      int eq = entry.indexOf('=');
      if (eq > 0) {
        env.put(entry.substring(0, eq), entry.substring(eq + 1));
      }
    }
    return new PeerView(String.join(" ", links), rootText, cwd, String.join(" ", creds), lsm, umask, cgroup,
        Map.copyOf(env));
  }

  /** The "Seccomp:" mode among {@code credentials} ("0" when the kernel shows none: no seccomp there). */
  private static String seccompMode(String credentials) {
    for (String field : credentials.split(" (?=[A-Za-z_]+:)")) {
      if (field.startsWith("Seccomp:")) {
        return field.substring("Seccomp:".length()).trim();
      }
    }
    return "0";
  }

  /**
   * Why a caller with this view must not be served by a server with view {@code own} (the front
   * then runs the command in a JVM of its own), or null when the two agree. The working directory is
   * not compared: it is the caller's, and the command resolves the caller's paths against it. Of
   * the environment only what {@code compared} keeps is: what the server would otherwise take from
   * its own (a variable the server reads per request from the caller's need not agree).
   */
  public String difference(PeerView own, java.util.function.UnaryOperator<Map<String, String>> compared) {
    if (!namespaces.equals(own.namespaces)) {
      return "namespaces differ: the caller's " + namespaces + ", the server's " + own.namespaces;
    }
    if (!root.equals(own.root)) {
      return "the root directory differs (a chroot?): the caller's " + root + ", the server's " + own.root;
    }
    if (!seccompMode(credentials).equals("0") || !seccompMode(own.credentials).equals("0")) {
      return "seccomp is on (the caller's mode " + seccompMode(credentials) + ", the server's "
          + seccompMode(own.credentials) + "): /proc does not show what a filter allows, so no two can be compared";
    }
    if (!credentials.equals(own.credentials)) {
      return "ids, groups, capabilities, no_new_privs or seccomp differ: the caller's " + credentials
          + ", the server's " + own.credentials;
    }
    if (!lsm.equals(own.lsm)) {
      return "the LSM label differs: the caller's " + lsm + ", the server's " + own.lsm;
    }
    if (!umask.equals(own.umask)) {
      return "umask differs: the caller's " + umask + ", the server's " + own.umask;
    }
    if (dev.poc.host.Posix.geteuid() != 0 && !cgroup.equals(own.cgroup)) {
      // rootless: a container's group is found from the runtime's own (DelegatedCgroup)
      return "rootless, and the cgroups differ";
    }
    Map<String, String> mine = compared.apply(env);
    Map<String, String> theirs = compared.apply(own.env);
    if (!Objects.equals(mine, theirs)) {
      return "the environment differs: the caller's " + mine + ", the server's " + theirs;
    }
    return null;
  }
}
