package dev.poc.rootless;

import dev.poc.Check;
import dev.poc.ContainerSpec;
import dev.poc.MissingPrivilegeException;
import dev.poc.Namespace;
import dev.poc.Network;
import dev.poc.cgroup.CgroupSetup;
import dev.poc.cgroup.Cgroups;
import dev.poc.cgroup.DelegatedCgroup;
import dev.poc.host.HostDirs;
import dev.poc.host.Posix;
import dev.poc.host.Tool;
import dev.poc.namespace.LinuxNamespaces;
import dev.poc.namespace.UserNamespaces;
import dev.poc.network.usermode.UserModeNetwork;
import dev.poc.spi.Attachment;
import dev.poc.spi.CgroupStrategy;
import dev.poc.spi.HostSetup;
import dev.poc.spi.IdMapping;
import dev.poc.spi.NamespaceStrategy;
import dev.poc.spi.StartContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How poc runs for an ordinary user (effective uid not 0), in one place: which strategies a
 * rootless runtime gets in place of root's, and what it refuses. {@link dev.poc.ContainerRuntime}
 * asks here when it is not root; nothing else branches on the mode.
 *
 * <ul>
 *   <li>Namespaces: the spec's, inside a user namespace of the container's own whose root is this
 *       user: a full map through {@code newuidmap}/{@code newgidmap} and the user's
 *       {@code /etc/subuid}/{@code /etc/subgid} ranges when both exist, else this user's ids alone.
 *   <li>Cgroups: a delegated cgroup v2 subtree when the user owns one, else none (no limits).
 *   <li>Network: {@link Network#DISABLED} as root's; {@link Network#DEFAULT} and
 *       {@link Network#BRIDGE} through a user-mode network of the container's own (slirp4netns,
 *       see {@link #networkFor}); named networks stay root's.
 * </ul>
 */
public final class RootlessMode {
  private static final Logger LOG = LoggerFactory.getLogger(RootlessMode.class);
  /**
   * System property: {@code single} gives every container the single-id map even where the full
   * one is possible (a container that must not own the subordinate ids, or a test of that map).
   */
  public static final String ID_MAP_PROPERTY = "poc.idMap";
  private static final String SINGLE = "single";

  private final IdMapping maps;
  private final Optional<Cgroups> delegated;
  private final UserModeNetwork userMode = UserModeNetwork.builder().build();

  private RootlessMode(IdMapping maps, Optional<Cgroups> delegated) {
    this.maps = maps;
    this.delegated = delegated;
  }

  /** Whether this JVM runs rootless: its effective uid is not 0. */
  public static boolean applies() {
    return HostDirs.rootless();
  }

  /** This user's mode: id maps and cgroups found on this host, the choice logged. */
  public static RootlessMode forThisUser() {
    int uid = Posix.geteuid();
    int gid = Posix.getegid();
    IdMapping maps = SINGLE.equals(System.getProperty(ID_MAP_PROPERTY))
        ? IdMapping.single(uid, gid)
        : idMapping(uid, gid, System.getProperty("user.name"), Tool.searchDirs());
    RootlessMode mode = new RootlessMode(maps, DelegatedCgroup.find(uid));
    LOG.info("rootless (uid {}): user namespace {}; cgroups: {}", uid, mode.maps,
        mode.delegated.map(c -> "delegated, " + c.describe()).orElse("none (" + NoCgroups.WHY + ")"));
    return mode;
  }

  /**
   * The full map when newuidmap and newgidmap are installed and the user has both subordinate
   * ranges; else the single-id map (0 inside = {@code uid} outside).
   */
  static IdMapping idMapping(int uid, int gid, String userName, List<Path> searchDirs) {
    Optional<Path> newuidmap = Tool.locate("newuidmap", searchDirs);
    Optional<Path> newgidmap = Tool.locate("newgidmap", searchDirs);
    Optional<SubordinateIds> subUid = SubordinateIds.of(Path.of("/etc/subuid"), userName, uid);
    Optional<SubordinateIds> subGid = SubordinateIds.of(Path.of("/etc/subgid"), userName, uid);
    if (newuidmap.isPresent() && newgidmap.isPresent() && subUid.isPresent() && subGid.isPresent()) {
      return IdMapping.full(uid, gid, subUid.get().start(), Math.min(subUid.get().count(), 65536),
          subGid.get().start(), Math.min(subGid.get().count(), 65536), newuidmap.get(), newgidmap.get());
    }
    return IdMapping.single(uid, gid);
  }

  /** Why the map is what it is, for {@code poc info}. */
  private String whyMap() {
    if (maps.tools().isPresent()) {
      return "";
    }
    if (SINGLE.equals(System.getProperty(ID_MAP_PROPERTY))) {
      return " (asked for: -D" + ID_MAP_PROPERTY + "=" + SINGLE + ")";
    }
    List<String> missing = new ArrayList<>();
    if (Tool.locate("newuidmap").isEmpty() || Tool.locate("newgidmap").isEmpty()) {
      missing.add("newuidmap/newgidmap are not installed (Debian: uidmap)");
    }
    String user = System.getProperty("user.name");
    int uid = Posix.geteuid();
    if (SubordinateIds.of(Path.of("/etc/subuid"), user, uid).isEmpty()
        || SubordinateIds.of(Path.of("/etc/subgid"), user, uid).isEmpty()) {
      missing.add(user + " has no range in /etc/subuid or /etc/subgid");
    }
    return " (" + String.join("; ", missing) + ")";
  }

  /** The namespaces strategy: the spec's, each container in a user namespace of its own. */
  public NamespaceStrategy namespaces() {
    return new UserNamespaces(new LinuxNamespaces(), maps);
  }

  /** The cgroup strategy: the delegated subtree, or none. */
  public CgroupStrategy cgroups() {
    return delegated.<CgroupStrategy>map(c -> new CgroupSetup(() -> c)).orElseGet(NoCgroups::new);
  }

  /** The id maps containers get. */
  public IdMapping maps() {
    return maps;
  }

  /**
   * THE place where a rootless start gets its network. {@link Network#DISABLED}, and a spec that
   * keeps the host's network namespace, need nothing on the host. {@link Network#DEFAULT} and
   * {@link Network#BRIDGE} get a user-mode network of the container's own (slirp4netns: an address,
   * a default route, published ports on the host's 127.0.0.1), since bridges, veths and iptables
   * need root. Named networks stay root's.
   */
  public HostSetup networkFor(ContainerSpec spec) {
    Network mode = spec.network();
    if (mode == Network.DISABLED || !spec.namespaces().contains(Namespace.NET)) {
      return spec.ports().isEmpty() ? NO_NETWORK : userMode; // the user-mode network refuses the ports clearly
    }
    if (mode == Network.DEFAULT || mode == Network.BRIDGE) {
      return userMode;
    }
    throw new MissingPrivilegeException("container '" + spec.name() + "' asks for network " + mode.cliName()
        + ", but poc runs rootless here (uid " + Posix.geteuid() + "), and a named network's bridge, veths and"
        + " iptables chains need root: use Network.DEFAULT or Network.BRIDGE (a user-mode network of the"
        + " container's own), or run as root");
  }

  /** The setups whose {@code reclaim} a rootless runtime runs after a crash: the user-mode network's. */
  public List<HostSetup> reclaimedSetups() {
    return List.of(userMode);
  }

  /** Nothing on the host: lo alone, in the container's own network namespace. */
  private static final HostSetup NO_NETWORK = new HostSetup() {
    @Override
    public Attachment prepare(StartContext ctx) {
      return Attachment.none();
    }

    @Override
    public void reclaim(String name, Path runDir) {}

    @Override
    public String toString() {
      return "no network (lo only)";
    }
  };

  /** What {@code poc info} shows of the mode. */
  public List<Check> checks() {
    List<Check> out = new ArrayList<>();
    out.add(Check.yes("mode", "rootless (uid " + Posix.geteuid() + "): containers in a user namespace of their own,"
        + " state under " + HostDirs.defaultStateRoot() + " and " + HostDirs.hostState()));
    out.add(Check.yes("id map", maps + whyMap()));
    out.add(delegated.isPresent()
        ? Check.yes("rootless cgroups", "delegated: " + delegated.get().describe())
        : Check.yes("rootless cgroups", "none: containers run without limits or figures; a spec with limits is"
            + " refused, the default pids limit is not applied (" + NoCgroups.WHY + ")"));
    out.add(Tool.locate("slirp4netns").isPresent()
        ? Check.yes("rootless network", "net-default and net-bridge through slirp4netns (one per container, published"
            + " ports on 127.0.0.1); named networks need root")
        : Check.no("rootless network", "net-default and net-bridge need slirp4netns, which is not installed;"
            + " named networks need root", "apt-get install slirp4netns, or use Network.DISABLED"));
    out.add(Check.no("rootless disks", "a sized disk needs a loop device, which only root may set up",
        "use a directory rootfs (Rootfs.directory) or an image (Rootfs.image), or run as root"));
    return out;
  }

  @Override
  public String toString() {
    return "rootless: " + maps;
  }
}
