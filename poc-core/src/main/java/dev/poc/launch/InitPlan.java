package dev.poc.launch;

import dev.poc.InvalidSpecException;
import dev.poc.Namespace;
import dev.poc.spi.HelperPlan;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * What poc-init does inside, in order: the plan it reads from its control socket. Encoded as a
 * little-endian length, then NUL-terminated strings (a key, then that key's fields), which the
 * C side parses without allocating. Mount targets are relative to the new root and are resolved
 * inside it by poc-init, so a symlink in an image can never point a mount outside.
 */
public final class InitPlan implements HelperPlan {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
  private int newNamespaces;
  private boolean joinsLater;

  private InitPlan put(String key, String... fields) {
    write(key);
    for (String f : fields) {
      write(f);
    }
    return this;
  }

  private void write(String s) {
    if (s.indexOf('\0') >= 0) {
      throw new InvalidSpecException("value contains a NUL character: " + s.replace('\0', '?'));
    }
    out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    out.write(0);
  }

  private static String rel(String inside) {
    String r = inside;
    while (r.startsWith("/")) {
      r = r.substring(1);
    }
    return r.isEmpty() ? "." : r;
  }

  @Override
  public InitPlan newNamespace(Namespace kind) {
    newNamespaces |= kind.cloneFlag();
    return this;
  }

  /** Whether the container gets a namespace of this kind of its own (as planned so far). */
  public boolean createsNamespace(Namespace kind) {
    return (newNamespaces & kind.cloneFlag()) != 0;
  }

  @Override
  public InitPlan joinNamespace(Namespace kind, Path path) {
    newNamespaces &= ~kind.cloneFlag();
    return put("nsjoin", Integer.toString(kind.cloneFlag()), path.toString());
  }

  @Override
  public InitPlan userNamespace(dev.poc.spi.IdMapping maps) {
    put("uidmap", maps.uidMap());
    put("gidmap", maps.gidMap());
    maps.tools().ifPresent(t -> put("idmaptool", t[0].toString(), t[1].toString()));
    return this;
  }

  /** The root: a bind of {@code source} at {@code mountPoint} (they may be the same directory). */
  @Override
  public InitPlan rootBind(Path mountPoint, Path source, String flags) {
    return put("root", "bind", mountPoint.toString(), source.toString(), flags);
  }

  /** The root: a fresh tmpfs on {@code mountPoint}, {@code options} as for mount(8). */
  @Override
  public InitPlan rootTmpfs(Path mountPoint, String options) {
    return put("root", "tmpfs", mountPoint.toString(), options, "");
  }

  /** The root: an overlay on {@code mountPoint}, {@code options} as for mount(8). */
  @Override
  public InitPlan rootOverlay(Path mountPoint, String options, String flags) {
    return put("root", "overlay", mountPoint.toString(), options, flags);
  }

  @Override
  public InitPlan rootMoved(Path mountPoint, String source, String flags) {
    return put("root", "move", mountPoint.toString(), source, flags);
  }

  @Override
  public InitPlan upperTmpfs(Path dir, String options) {
    return put("uppertmpfs", dir.toString(), options);
  }

  @Override
  public InitPlan mkdir(String inside, int mode) {
    return put("mkdir", rel(inside), Integer.toOctalString(mode));
  }

  @Override
  public InitPlan symlink(String target, String inside) {
    return put("symlink", target, rel(inside));
  }

  /**
   * Binds host {@code source} at {@code inside}. Flags, comma-separated: ro, nosuid, nodev, noexec
   * (applied recursively), optional (skip a missing source).
   */
  @Override
  public InitPlan bind(Path source, String inside, String flags) {
    return put("bind", source.toString(), rel(inside), flags);
  }

  @Override
  public InitPlan sysctl(String key, String value) {
    return put("sysctl", key, value);
  }

  @Override
  public InitPlan tmpfs(String inside, String options) {
    return put("tmpfs", rel(inside), options);
  }

  @Override
  public InitPlan file(String inside, String content) {
    return put("file", rel(inside), content);
  }

  /** The size of the container's /dev/shm in bytes. */
  InitPlan shmSize(long bytes) {
    return put("shm", Long.toString(bytes / 1024) + "k");
  }

  InitPlan hostname(String hostname) {
    return put("hostname", hostname);
  }

  /** OCI's {@code domainname}: set by the init in its new UTS namespace, beside the hostname. */
  public InitPlan domainname(String domainname) {
    return put("domainname", domainname);
  }

  InitPlan arg(String arg) {
    return put("arg", arg);
  }

  InitPlan env(String key, String value) {
    return put("env", key + "=" + value);
  }

  InitPlan cwd(String cwd) {
    return put("cwd", cwd);
  }

  InitPlan user(int uid, int gid, Iterable<Integer> groups) {
    put("uid", Integer.toString(uid));
    put("gid", Integer.toString(gid));
    for (int g : groups) {
      put("group", Integer.toString(g));
    }
    return this;
  }

  /** The container side of a veth pair: name, address, prefix length, gateway ("" for none). */
  @Override
  public InitPlan network(String ifName, String address, int prefix, String gateway) {
    return put("net", ifName, address, Integer.toString(prefix), gateway);
  }

  /** A cgroup v1 {@code tasks} file the init moves itself into once its root is built. */
  @Override
  public InitPlan cgroupJoin(Path tasksFile) {
    return put("cgjoin", tasksFile.toString());
  }

  /**
   * A cgroup v1 {@code tasks} file, relative to its hierarchy's root, made while the init starts:
   * the init joins it once its root is built and the runtime has said JOIN.
   */
  @Override
  public InitPlan cgroupJoinLater(Path hierarchyRoot, String tasksFile) {
    joinsLater = true;
    return put("cgjoinlate", hierarchyRoot.toString(), tasksFile);
  }

  /** Whether the init waits for JOIN ({@link #cgroupJoinLater}) before it says READY. */
  boolean joinsLater() {
    return joinsLater;
  }

  /** The cgroup v2 group the init is born in (clone3 CLONE_INTO_CGROUP; older kernels: moved). */
  @Override
  public InitPlan cgroupBornIn(Path dir) {
    return put("cgborn", dir.toString());
  }

  /** The capabilities (bit n: capability n) a root command keeps; the bounding set of any command. */
  InitPlan capabilities(long mask) {
    return put("caps", Long.toUnsignedString(mask));
  }

  /**
   * OCI's process, for poc-oci: the command's effective, permitted, inheritable and ambient
   * capability sets (bit masks, within the bounding set of {@link #capabilities}) kept for any uid,
   * no_new_privs only when {@code noNewPrivileges}, and its umask (negative: inherited). Without
   * this call poc's own rules hold: a root command gets the bounding set, another uid nothing, and
   * no_new_privs always.
   */
  public InitPlan ociProcess(long effective, long permitted, long inheritable, long ambient, boolean noNewPrivileges,
      int umask) {
    put("ocicaps", Long.toUnsignedString(effective), Long.toUnsignedString(permitted),
        Long.toUnsignedString(inheritable), Long.toUnsignedString(ambient));
    put("nnp", noNewPrivileges ? "1" : "0");
    return umask >= 0 ? put("umask", Integer.toOctalString(umask)) : this;
  }

  /**
   * OCI's {@code maskedPaths} and {@code readonlyPaths} (absolute, inside the root), in place of
   * poc's own lists: a masked file gets /dev/null bound over it, a masked directory an empty
   * read-only tmpfs; a missing path is skipped.
   */
  public InitPlan ociMasks(java.util.List<String> masked, java.util.List<String> readOnly) {
    put("ocimasks", "1");
    masked.forEach(p -> put("mask", rel(p)));
    readOnly.forEach(p -> put("rdonly", rel(p)));
    return this;
  }

  /**
   * The propagation of the mount at {@code inside} (a bind or tmpfs of the plan): mount(2) flags
   * (MS_SHARED, MS_SLAVE, ... with MS_REC), applied once every mount is made.
   */
  public InitPlan propagation(String inside, long mountFlags) {
    return put("propagate", rel(inside), Long.toString(mountFlags));
  }

  /**
   * A device node {@code inside} the new root (OCI's {@code linux.devices}), made after the plan's
   * mounts: {@code type} c, b or p, its numbers, its permission bits exactly, its owner.
   */
  public InitPlan deviceNode(String inside, char type, long major, long minor, int mode, long uid, long gid) {
    return put("mknod", rel(inside), String.valueOf(type), major + ":" + minor,
        Integer.toOctalString(mode & 07777) + ":" + uid + ":" + gid);
  }

  /**
   * OCI without a mount namespace: the root is built in a private one as always, then the init
   * goes back to the host's mount namespace and chroots into that root, whose mounts live on in
   * the private namespace (kept by the init) and never appear in the host's.
   */
  public InitPlan hostMountNamespace() {
    return put("hostmnt", "1");
  }

  /**
   * An OCI hook poc-init runs itself: {@code phase} createContainer (in the container's mount
   * namespace, its mounts made, before pivot_root) or startContainer (in the container, after
   * {@code start}, before the command). Its stdin gets {@code statePrefix}, the init's host pid,
   * then {@code stateSuffix}; it is killed after {@code timeoutSeconds} (0: no limit).
   */
  public InitPlan hook(String phase, String path, java.util.List<String> args, java.util.List<String> env,
      int timeoutSeconds, String statePrefix, String stateSuffix) {
    put("hook", phase, path, Integer.toString(timeoutSeconds));
    put("hookstate", statePrefix, stateSuffix);
    args.forEach(a -> put("hookarg", a));
    env.forEach(e -> put("hookenv", e));
    return this;
  }

  /** The root's propagation once pivoted: mount(2) flags (MS_SHARED, MS_SLAVE, ... with MS_REC). */
  public InitPlan rootPropagation(long mountFlags) {
    return put("rootprop", Long.toString(mountFlags));
  }

  /**
   * The seccomp filter (struct sock_filter array, hex) the command gets, and the init once the
   * command runs; none for an unconfined container. Checked in Java already: poc-init installs it
   * as it is.
   */
  InitPlan seccomp(java.util.Optional<String> programHex) {
    return programHex.isPresent() ? put("seccomp", programHex.get()) : this;
  }

  /**
   * The init installs the filter before it says READY, so that the command inherits it and the
   * start's critical path has no install: only for a profile known to allow all the init and the
   * command do after that (the network's set-up, fork, setsid, the privileges' drop, chdir), as
   * Docker's default does. A user's own profile is installed last, before exec, as runc does.
   */
  InitPlan seccompEarly() {
    return put("seccompearly", "1");
  }

  InitPlan tty(boolean tty) {
    return tty ? put("tty", "1") : this;
  }

  /** OCI's created state: the init waits on this FIFO for {@code start}; the helper leaves at GO. */
  InitPlan startFifo(Path fifo) {
    return put("startfifo", fifo.toString());
  }

  /** OCI: the helper duplicates descriptor {@code fd} of process {@code pid} (the name lock) for the init to hold. */
  /** OCI --preserve-fds: fds 3 to {@code count + 2} of process {@code pid} (0: poc-init's own) go to the command. */
  InitPlan preserveFds(int count, long pid) {
    return put("fds", Integer.toString(count), Long.toString(pid));
  }

  InitPlan lockFrom(long pid, int fd) {
    return put("lockfrom", Long.toString(pid), Integer.toString(fd));
  }

  /** OCI: the pty master goes to this socket (SCM_RIGHTS) instead of being relayed. */
  InitPlan console(Path socket) {
    return put("console", socket.toString());
  }

  /** OCI: the pty's size (process.consoleSize), set before the master is handed over. */
  InitPlan winsize(int rows, int cols) {
    return put("winsize", Integer.toString(rows), Integer.toString(cols));
  }

  /** OCI exec: a resource limit (RLIMIT_* number) the command gets; -1 is unlimited. */
  InitPlan rlimit(int resource, long soft, long hard) {
    return put("rlimit", Integer.toString(resource), Long.toUnsignedString(soft), Long.toUnsignedString(hard));
  }

  /** Profile: the init says its steps' instants in a TIMES line before the command's EXIT (see StartProfile). */
  InitPlan times() {
    return put("times", "1");
  }

  InitPlan detach(boolean detach) {
    return detach ? put("detach", "1") : this;
  }

  /**
   * The output log poc-init writes the streams in {@code streams} to (1: stdout, 2: stderr, 3:
   * both), rotated past {@code maxBytes}.
   */
  InitPlan log(Path file, long maxBytes, int streams) {
    return put("log", file.toString(), Long.toString(maxBytes), Integer.toString(streams));
  }

  /** Exec mode: the host pid of the init of the container to run in. */
  InitPlan target(int initPid) {
    return put("target", Integer.toString(initPid));
  }

  /** Exec mode: a cgroup.procs file the command joins before it enters the namespaces. */
  InitPlan cgroup(Path procsFile) {
    return put("cgroup", procsFile.toString());
  }

  /** The encoded plan, framed for the socket. */
  byte[] encode() {
    if (newNamespaces != 0) {
      put("ns", Integer.toString(newNamespaces));
    }
    ByteArrayOutputStream framed = new ByteArrayOutputStream(out.size() + 16);
    put("end");
    framed.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(out.size()).array());
    framed.writeBytes(out.toByteArray());
    return framed.toByteArray();
  }
}
