package dev.poc.host;

import dev.poc.Check;
import dev.poc.PocException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds out what of the host poc can use: one {@link Check} per facility (user namespaces,
 * overlayfs in a user namespace, loop devices, iptables, the state root). Changes nothing that
 * outlives it: the probes that must try something (a user namespace, an overlay mount) run in a
 * throw-away process and namespace.
 */
public final class HostChecks {
  /**
   * Below this a state root counts as full: a run directory needs kilobytes, but a disk's ext4
   * metadata and a base image need tens to hundreds of megabytes.
   */
  public static final long MIN_FREE_BYTES = 64L << 20;
  public static final String IPTABLES_FIX = "apt-get install iptables (dnf install iptables-nft)";
  private static final Tool UNSHARE = new Tool("unshare", "apt-get install util-linux");
  private static final Tool SETPRIV = new Tool("setpriv", "apt-get install util-linux");
  private static final Path PROC_SYS = Path.of("/proc/sys");
  /** The overflow uid: an unprivileged user that exists on every Linux. */
  private static final String NOBODY = "65534";

  private HostChecks() {}

  /** The kernel's release, e.g. 6.1.0-18-amd64. */
  public static String kernel() {
    return read(PROC_SYS.resolve("kernel/osrelease")).orElse(System.getProperty("os.version"));
  }

  /** The machine (uname -m), e.g. x86_64. */
  public static String architecture() {
    return read(PROC_SYS.resolve("kernel/arch")).orElse(System.getProperty("os.arch"));
  }

  /** As {@link #userNamespaces(int)}, for this process's user. */
  public static Check userNamespaces() {
    return userNamespaces(Posix.geteuid());
  }

  /** As {@link #unprivilegedUserNamespaces(int)}, for this process's user. */
  public static Check unprivilegedUserNamespaces() {
    return unprivilegedUserNamespaces(Posix.geteuid());
  }

  /** Whether this process may make a user namespace: tried, and explained by the sysctls that forbid it. */
  public static Check userNamespaces(int euid) {
    String name = "user namespaces";
    Optional<Check> forbidden = userNamespacesForbidden(name, euid);
    if (forbidden.isPresent()) {
      return forbidden.get();
    }
    try {
      UNSHARE.output("making a user namespace", List.of("--user", "true"));
      return Check.yes(name, "allowed for uid " + euid);
    } catch (IOException | PocException e) {
      return Check.no(name, "unshare --user failed for uid " + euid + ": " + firstLine(e.getMessage()),
          "allow user namespaces to this process (a container runtime's seccomp profile may deny them)");
    }
  }

  /** Whether a user without privileges may make a user namespace (what rootless containers need). */
  public static Check unprivilegedUserNamespaces(int euid) {
    String name = "user namespaces for unprivileged users";
    Optional<Check> forbidden = userNamespacesForbidden(name, Integer.parseInt(NOBODY));
    if (forbidden.isPresent() || euid != 0) {
      return forbidden.orElse(Check.yes(name, "allowed by the sysctls (not tried: poc is not root)"));
    }
    try {
      SETPRIV.output("making a user namespace as uid " + NOBODY, List.of("--reuid=" + NOBODY, "--regid=" + NOBODY,
          "--clear-groups", Tool.locate("unshare").map(Path::toString).orElse("unshare"), "--user", "true"));
      return Check.yes(name, "allowed (tried as uid " + NOBODY + ")");
    } catch (IOException | PocException e) {
      return Check.no(name, "unshare --user failed for uid " + NOBODY + ": " + firstLine(e.getMessage()),
          "allow unprivileged user namespaces (see the sysctls kernel.unprivileged_userns_clone and"
              + " kernel.apparmor_restrict_unprivileged_userns)");
    }
  }

  /** The sysctls that forbid user namespaces to {@code uid}, as a "no"; empty when none does. */
  private static Optional<Check> userNamespacesForbidden(String name, int uid) {
    if (!Files.exists(Path.of("/proc/self/ns/user"))) {
      return Optional.of(Check.no(name, "this kernel has no user namespaces", "use a kernel built with CONFIG_USER_NS"));
    }
    if (read(PROC_SYS.resolve("user/max_user_namespaces")).filter("0"::equals).isPresent()) {
      return Optional.of(Check.no(name, "user.max_user_namespaces is 0", "sysctl -w user.max_user_namespaces=15000"));
    }
    if (uid != 0 && read(PROC_SYS.resolve("kernel/unprivileged_userns_clone")).filter("0"::equals).isPresent()) {
      return Optional.of(Check.no(name, "kernel.unprivileged_userns_clone is 0: only root may make them",
          "sysctl -w kernel.unprivileged_userns_clone=1"));
    }
    if (uid != 0 && read(PROC_SYS.resolve("kernel/apparmor_restrict_unprivileged_userns")).filter("1"::equals).isPresent()) {
      return Optional.of(Check.no(name, "AppArmor restricts unprivileged user namespaces",
          "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or an AppArmor profile that allows userns"));
    }
    return Optional.empty();
  }

  /**
   * Whether overlayfs mounts inside a user namespace (Linux 5.11 and later): tried in a throw-away
   * user and mount namespace on directories of {@code scratch}, which is removed after.
   */
  public static Check overlayInUserNamespace(Check userNamespaces, Path scratch) {
    String name = "overlayfs in a user namespace";
    if (!overlayAvailable()) {
      return Check.no(name, "this kernel has no overlay filesystem", "modprobe overlay, or a kernel with CONFIG_OVERLAY_FS");
    }
    if (!userNamespaces.ok()) {
      return Check.no(name, "needs user namespaces: " + userNamespaces.detail(), userNamespaces.fix().orElse(null));
    }
    Path dir = null;
    try {
      dir = Files.createTempDirectory(scratch, "poc-info-overlay-");
      for (String d : List.of("lower", "upper", "work", "merged")) {
        Files.createDirectory(dir.resolve(d));
      }
      UNSHARE.output("mounting overlayfs in a user namespace", List.of("--user", "--map-root-user", "--mount",
          "mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + dir.resolve("lower") + ",upperdir="
              + dir.resolve("upper") + ",workdir=" + dir.resolve("work"), dir.resolve("merged").toString()));
      return Check.yes(name, "mounts (Linux " + kernel() + ")");
    } catch (IOException | PocException e) {
      return Check.no(name, "the mount failed: " + firstLine(e.getMessage()),
          "use Linux 5.11 or later (or fuse-overlayfs for rootless images)");
    } finally {
      if (dir != null) {
        try { // overlayfs made work/work with mode 000; only root could remove it as it is
          Files.setPosixFilePermissions(dir.resolve("work/work"), java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        } catch (IOException | RuntimeException e) {
          // absent: the mount failed before making it
        }
        deleteTree(dir); // the mount died with its namespace
      }
    }
  }

  private static void deleteTree(Path dir) {
    try (java.util.stream.Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      org.slf4j.LoggerFactory.getLogger(HostChecks.class).warn("removing {} failed: {}", dir, e.toString());
    }
  }

  /** Whether {@code /dev/loop-control} is there and opens (disks are ext4 images on loop devices). */
  public static Check loopDevices(Path loopControl) {
    String name = "loop devices";
    if (!Files.exists(loopControl)) {
      return Check.no(name, loopControl + " is missing",
          "modprobe loop (in a container: give it the host's /dev/loop-control and /dev/loop*)");
    }
    try (FileChannel ch = FileChannel.open(loopControl, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      return Check.yes(name, loopControl + " opens");
    } catch (java.nio.file.AccessDeniedException e) {
      return Check.no(name, "cannot open " + loopControl + ": permission denied", "run poc as root");
    } catch (IOException | UnsupportedOperationException e) {
      return Check.no(name, "cannot open " + loopControl + ": " + e, "run poc as root");
    }
  }

  /**
   * Whether poc's firewall tools ({@code iptables-save}, {@code iptables-restore}) are in
   * {@code dirs}; with {@code tryThem}, also their version and backend (nf_tables or legacy) and
   * whether they read the kernel's tables.
   */
  public static Check iptables(List<Path> dirs, boolean tryThem) {
    String name = "iptables";
    Path iptables = null;
    for (String tool : List.of("iptables", "iptables-save", "iptables-restore")) {
      Optional<Path> found = Tool.locate(tool, dirs);
      if (found.isEmpty()) {
        return Check.no(name, tool + " is not installed (not in PATH)", IPTABLES_FIX);
      }
      iptables = iptables == null ? found.get() : iptables;
    }
    if (!tryThem) {
      return Check.yes(name, "at " + iptables);
    }
    if (Posix.geteuid() != 0) {
      return Check.yes(name, "at " + iptables + " (not tried: reading the kernel's tables needs root)");
    }
    String version;
    try {
      version = new Tool(iptables.toString(), IPTABLES_FIX).output("asking iptables its version", List.of("--version")).trim();
      new Tool(iptables.resolveSibling("iptables-save").toString(), IPTABLES_FIX)
          .output("reading the nat table", List.of("-t", "nat"));
    } catch (IOException | PocException e) {
      return Check.no(name, "iptables does not work here: " + firstLine(e.getMessage()),
          "load the kernel's nf_tables (modprobe nf_tables), or switch backends:"
              + " update-alternatives --set iptables /usr/sbin/iptables-legacy");
    }
    return Check.yes(name, version + " at " + iptables);
  }

  /** Whether the state root (or its nearest existing parent) is writable and has room. */
  public static Check stateRoot(Path root) {
    String name = "state root";
    String elsewhere = "pick another with --state-root DIR, $POC_STATE_ROOT or ContainerRuntime.builder().stateRoot(DIR)";
    Path existing = nearestExisting(root);
    try {
      FileStore store = Files.getFileStore(existing);
      long free = store.getUsableSpace();
      String where = root + " (" + store.type() + ")";
      if (store.isReadOnly()) {
        return Check.no(name, where + " is on a read-only filesystem", elsewhere);
      }
      if (!Files.isWritable(existing)) {
        return Check.no(name, existing + " is not writable by this user", "run as root, or " + elsewhere);
      }
      if (free < MIN_FREE_BYTES) {
        return Check.no(name, where + " has only " + human(free) + " free (poc wants " + human(MIN_FREE_BYTES) + ")",
            "free space on that filesystem, or " + elsewhere);
      }
      return Check.yes(name, where + ": " + human(free) + " free");
    } catch (IOException e) {
      return Check.no(name, "cannot look at " + existing + ": " + e.getMessage(), elsewhere);
    }
  }

  /** Bytes free on the state root's filesystem; 0 when it cannot be read. */
  public static long freeBytes(Path root) {
    try {
      return Files.getFileStore(nearestExisting(root)).getUsableSpace();
    } catch (IOException e) {
      return 0;
    }
  }

  /** Whether overlayfs is there: loaded (or built in), or a module the kernel can load on first mount. */
  public static boolean overlayAvailable() {
    return filesystems().contains("overlay")
        || Files.isDirectory(Path.of("/lib/modules", kernel(), "kernel/fs/overlayfs"));
  }

  /** The filesystems the kernel knows now (/proc/filesystems), e.g. ext4, overlay. */
  public static List<String> filesystems() {
    List<String> names = new ArrayList<>();
    for (String line : read(Path.of("/proc/filesystems")).orElse("").split("\n")) {
      String[] f = line.trim().split("\\s+");
      names.add(f[f.length - 1]);
    }
    return names;
  }

  private static Path nearestExisting(Path path) {
    Path p = path.toAbsolutePath().normalize();
    while (p.getParent() != null && !Files.exists(p)) {
      p = p.getParent();
    }
    return p;
  }

  /** 1536 -> 1.5K; binary units, as poc's sizes are. */
  public static String human(long bytes) {
    String units = "BKMGTP";
    double v = bytes;
    int u = 0;
    while (v >= 1024 && u < units.length() - 1) {
      v /= 1024;
      u++;
    }
    return u == 0 ? bytes + "B" : String.format(java.util.Locale.ROOT, "%.1f%c", v, units.charAt(u));
  }

  private static String firstLine(String message) {
    String m = message == null ? "" : message.trim();
    // Tool's errors are "step: tool failed with exit code N:\n  last lines"; the tool's own words are the news
    String[] lines = m.split("\n");
    return lines.length > 1 ? lines[lines.length - 1].trim() : m;
  }

  private static Optional<String> read(Path file) {
    try {
      return Optional.of(Files.readString(file).trim());
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
