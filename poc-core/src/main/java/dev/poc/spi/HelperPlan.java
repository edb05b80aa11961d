package dev.poc.spi;

import dev.poc.Namespace;
import java.nio.file.Path;

/**
 * What the helper (poc-init) does for one start, as far as a strategy may add to it. The helper
 * carries the plan out in order after it clones the container's init: namespaces first, then the
 * root and the mounts inside it (paths inside are relative to the new root and resolved there, so
 * a symlink in an image cannot point a mount outside), then cgroup entry, then, after the
 * runtime's GO, the network interface. The process itself (command, environment, user) is the
 * runtime's to plan and is not offered here.
 */
public interface HelperPlan {

  /** The container gets a namespace of this kind of its own. */
  HelperPlan newNamespace(Namespace kind);

  /**
   * The container joins the namespace of this kind at {@code path} (e.g. {@code /proc/PID/ns/net}
   * or a bind-mounted handle) instead of getting one of its own. A joined {@link Namespace#MOUNT}
   * is where the init builds the root filesystem: that namespace's mounts change (as runc's do).
   */
  HelperPlan joinNamespace(Namespace kind, Path path);

  /**
   * The container gets a user namespace of its own with these maps, made with its other new
   * namespaces (which it then owns), its maps written before the init goes on; everything else
   * the init does happens inside it.
   */
  HelperPlan userNamespace(IdMapping maps);

  /** The root: a bind of {@code source} at {@code mountPoint} (they may be the same directory). */
  HelperPlan rootBind(Path mountPoint, Path source, String flags);

  /** The root: a fresh tmpfs on {@code mountPoint}, {@code options} as for mount(8). */
  HelperPlan rootTmpfs(Path mountPoint, String options);

  /** The root: an overlay on {@code mountPoint}, {@code options} as for mount(8). */
  HelperPlan rootOverlay(Path mountPoint, String options, String flags);

  /**
   * The root: a detached mount made ahead by this JVM (fsmount), moved onto {@code mountPoint};
   * {@code source} names it by its descriptor ({@code /proc/PID/fd/N}), which must stay open until
   * the container's command runs.
   */
  HelperPlan rootMoved(Path mountPoint, String source, String flags);

  /**
   * Before an overlay root: a fresh tmpfs on the host directory {@code dir}, mounted in the
   * container's mount namespace only, with empty {@code upper} and {@code work} directories made
   * in it, for the overlay's {@code upperdir} and {@code workdir}. The host never sees what the
   * container writes there, and it is gone with the namespace. {@code options} as for mount(8).
   */
  HelperPlan upperTmpfs(Path dir, String options);

  /** A directory inside the new root, with {@code mode}. */
  HelperPlan mkdir(String inside, int mode);

  /** A symbolic link {@code inside} the new root pointing at {@code target}. */
  HelperPlan symlink(String target, String inside);

  /**
   * Binds host {@code source} at {@code inside}. Flags, comma-separated: ro, nosuid, nodev, noexec
   * (applied recursively), optional (skip a missing source).
   */
  HelperPlan bind(Path source, String inside, String flags);

  /** A tmpfs {@code inside} the new root, {@code options} as for mount(8). */
  HelperPlan tmpfs(String inside, String options);

  /**
   * A regular file {@code inside} the new root holding {@code content} (mode 0644 when made; what
   * is there already must be a regular file, and is truncated). Unlike a bound file, a program in
   * the container may replace it (a rename over it, as {@code useradd} or {@code sed -i} do).
   *
   * @throws dev.poc.InvalidSpecException when {@code content} holds a NUL character
   */
  HelperPlan file(String inside, String content);

  /**
   * A namespaced sysctl ({@code net.ipv4.ping_group_range}, say), written by the init in its own
   * namespaces before it builds the root; the caller checks that the key is namespaced.
   */
  HelperPlan sysctl(String key, String value);

  /**
   * The container side of a veth pair the strategy moves into the init's namespace in
   * {@link Attachment#onCreated}: the helper gives {@code ifName} {@code address/prefix}, brings it
   * up and routes by {@code gateway} ("" for none).
   */
  HelperPlan network(String ifName, String address, int prefix, String gateway);

  /** A cgroup v1 {@code tasks} file the init moves itself into once its root is built. */
  HelperPlan cgroupJoin(Path tasksFile);

  /**
   * A cgroup v1 {@code tasks} file ({@code tasksFile}, relative to {@code hierarchyRoot}, the
   * hierarchy's mount point) whose group the strategy makes only in {@link Attachment#onCreated},
   * while the init builds its root. The init moves itself in once its root is built and the
   * runtime says the groups are made (after the cgroup strategy's {@code onCreated}), before it
   * reports READY; its command is forked later still, after GO.
   */
  HelperPlan cgroupJoinLater(Path hierarchyRoot, String tasksFile);

  /** The cgroup v2 group the init is born in (clone3 CLONE_INTO_CGROUP; older kernels: moved). */
  HelperPlan cgroupBornIn(Path dir);
}
