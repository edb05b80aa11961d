package dev.poc.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.poc.Capability;
import dev.poc.ContainerSpec;
import dev.poc.InvalidSpecException;
import dev.poc.Namespace;
import dev.poc.Rootfs;
import dev.poc.Stdio;
import dev.poc.cgroup.CgroupPlacement;
import dev.poc.cgroup.Cgroups;
import dev.poc.cgroup.GroupTuning;
import dev.poc.seccomp.Seccomp;
import dev.poc.spi.IdMapping;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A bundle's {@code config.json} (runtime-spec 1.0 to 1.2) read into a poc {@link ContainerSpec}.
 *
 * <p>Strict by design: every field is either mapped, or known to match what poc does anyway (then
 * it is checked to say so), or refused with an {@link InvalidSpecException} that names the field by
 * its JSON path. Where poc applies its own version of a field (its masked paths when none are
 * given, its /dev nodes beside linux.devices) the difference is added to {@link #notes()}, which the CLI writes to its log: told, never
 * silently dropped.
 */
public final class BundleConfig {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A mount's propagation option as mount(2) flags (MS_REC 0x4000; private is poc's default). */
  private static final Map<String, Long> PROPAGATION = Map.of("private", 0L, "rprivate", 0L,
      "shared", 0x100000L, "rshared", 0x104000L, "slave", 0x80000L, "rslave", 0x84000L,
      "unbindable", 0x20000L, "runbindable", 0x24000L);

  /** Access-time options, which poc's binds and tmpfs mounts do not apply (noted). */
  private static final Set<String> ATIME = Set.of("atime", "noatime", "strictatime", "relatime", "norelatime",
      "nostrictatime", "diratime", "nodiratime");

  /** The mounts poc makes itself in every container: type and destination. */
  private static final Map<String, String> OWN_MOUNTS = Map.of(
      "/proc", "proc", "/dev", "tmpfs", "/dev/pts", "devpts", "/dev/shm", "tmpfs",
      "/dev/mqueue", "mqueue", "/sys", "sysfs");

  private final ContainerSpec spec;
  private final JsonNode annotations;
  private final List<String> notes;
  private final int consoleRows;
  private final int consoleCols;
  private final List<OciLinux.Mount> mounts;
  private final CgroupPlacement cgroup;
  private final Optional<IdMapping> idMapping;

  private BundleConfig(ContainerSpec spec, JsonNode annotations, List<String> notes, int consoleRows, int consoleCols,
      List<OciLinux.Mount> mounts, CgroupPlacement cgroup, Optional<IdMapping> idMapping) {
    this.cgroup = cgroup;
    this.idMapping = idMapping;
    this.spec = spec;
    this.annotations = annotations;
    this.notes = List.copyOf(notes);
    this.consoleRows = consoleRows;
    this.consoleCols = consoleCols;
    this.mounts = List.copyOf(mounts);
  }

  /** {@code process.consoleSize.height}, 0 when not given. */
  public int consoleRows() {
    return consoleRows;
  }

  /** {@code process.consoleSize.width}, 0 when not given. */
  public int consoleCols() {
    return consoleCols;
  }

  /** The bundle's binds and tmpfs mounts in config.json's order, as the spec's root plans them. */
  List<OciLinux.Mount> mounts() {
    return mounts;
  }

  /**
   * Where the container's cgroup goes ({@code linux.cgroupsPath}: an absolute path from each
   * hierarchy's root, a relative one under poc's {@code poc/}, absent: {@code poc/ID}) and what it
   * sets beyond the spec's Resources (the CFS quota and period as given, the cpuset, the device rules,
   * and the v1 blkio, memory and hugetlb files of blockIO, the memory fields and hugepageLimits).
   */
  public CgroupPlacement cgroupPlacement() {
    return cgroup;
  }

  /**
   * The maps of the container's own user namespace ({@code linux.uidMappings} and {@code
   * gidMappings} with a {@code user} entry in {@code linux.namespaces}); empty: the host's.
   */
  public Optional<IdMapping> idMapping() {
    return idMapping;
  }

  /** The spec to start. */
  public ContainerSpec spec() {
    return spec;
  }

  /** {@code annotations}, as the state reports them (an empty object when absent). */
  public JsonNode annotations() {
    return annotations;
  }

  /** Fields poc honours its own way, one sentence each, for the log. */
  public List<String> notes() {
    return notes;
  }

  /** Reads {@code BUNDLE/config.json} for container {@code id}. */
  public static BundleConfig read(String id, Path bundle) {
    Path file = bundle.resolve("config.json");
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(file));
    } catch (IOException e) {
      throw new InvalidSpecException("cannot read " + file + ": " + e.getMessage()
          + " (give the bundle directory that holds config.json with --bundle)");
    }
    return new Reader(id, bundle, file).read(root);
  }

  /** Walks the JSON once, building the spec and refusing what it does not know. */
  private static final class Reader {
    private final String id;
    private final Path bundle;
    private final Path file;
    private final List<String> notes = new ArrayList<>();
    private final ContainerSpec.Builder b = new ContainerSpec.Builder();
    private final List<InitHostSteps.Rlimit> rlimits = new ArrayList<>();
    private final Map<String, String> sysctls = new LinkedHashMap<>();
    private java.util.OptionalInt oomScoreAdj = java.util.OptionalInt.empty();
    private Path rootPath;
    private boolean rootReadOnly;
    private int consoleRows;
    private int consoleCols;
    private OciProcess process;
    private OciLinux linux;
    private final List<OciLinux.Mount> ociMounts = new ArrayList<>();
    private CgroupPlacement placement;
    private boolean hostMounts;
    private OptionalLong cpuQuota = OptionalLong.empty();
    private OptionalLong cpuPeriod = OptionalLong.empty();
    private String cpusetCpus = "";
    private String cpusetMems = "";
    private Optional<List<GroupTuning.DeviceRule>> deviceRules = Optional.empty();
    private Optional<IdMapping> idMapping = Optional.empty();
    private final List<GroupTuning.V1File> v1Files = new ArrayList<>();
    private JsonNode processUser;

    Reader(String id, Path bundle, Path file) {
      this.id = id;
      this.bundle = bundle;
      this.file = file;
    }

    BundleConfig read(JsonNode root) {
      known(root, "", "ociVersion", "process", "root", "hostname", "domainname", "mounts", "linux", "annotations", "hooks");
      String version = text(root, "ociVersion", "");
      if (!version.startsWith("1.")) {
        throw refuse("ociVersion", "is '" + version + "': poc reads runtime-spec 1.0 to 1.2");
      }
      b.name(id);
      b.detached(true);
      b.stdin(Stdio.INHERIT).stdout(Stdio.INHERIT).stderr(Stdio.INHERIT);
      process(need(root, "process"));
      rootfs(need(root, "root"));
      if (root.has("hostname")) {
        b.hostname(root.get("hostname").asText());
      }
      JsonNode hooks = root.path("hooks");
      known(hooks, "hooks", "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop");
      Hooks.of(root, file.toString()); // checks poststart and poststop now, which start and delete run
      Set<Namespace> namespaces = linux(root.path("linux"));
      String domainname = text(root, "domainname", "");
      if (!domainname.isEmpty() && !namespaces.contains(Namespace.UTS)) {
        throw refuse("domainname", "is '" + domainname + "' without a uts namespace: it would change the host's; "
            + "add {\"type\": \"uts\"} to linux.namespaces or drop it");
      }
      if (domainname.length() > 64) {
        throw refuse("domainname", "is " + domainname.length() + " characters long: the kernel takes at most 64");
      }
      linux = linux.withDomainname(domainname);
      mounts(root.path("mounts"), namespaces);
      b.namespaces(namespaces);
      JsonNode annotations = root.has("annotations") ? root.get("annotations") : JSON.createObjectNode();
      InitHostSteps steps = new InitHostSteps(id, bundle, rlimits, oomScoreAdj,
          Hook.list(hooks, "prestart", "hooks"), Hook.list(hooks, "createRuntime", "hooks"), annotations);
      InsideHooks inside = new InsideHooks(id, bundle, annotations, Hook.list(hooks, "createContainer", "hooks"),
          Hook.list(hooks, "startContainer", "hooks"));
      b.rootfs(Rootfs.custom(new BundleRootfs(rootPath, rootReadOnly, sysctls, steps, process,
          linux.withMounts(ociMounts, hostMounts), inside)));
      return new BundleConfig(b.build(), annotations, notes, consoleRows, consoleCols, ociMounts,
          placement.withTuning(new GroupTuning(cpuQuota, cpuPeriod, cpusetCpus, cpusetMems, deviceRules, v1Files)), idMapping);
    }

    private void process(JsonNode p) {
      known(p, "process", "terminal", "consoleSize", "user", "args", "env", "cwd", "capabilities", "rlimits",
          "noNewPrivileges", "apparmorProfile", "selinuxLabel", "oomScoreAdj", "commandLine");
      // a terminal's pty master goes to --console-socket (checked by create, which has the flag)
      b.tty(p.path("terminal").asBoolean(false));
      JsonNode size = p.path("consoleSize");
      known(size, "process.consoleSize", "height", "width");
      consoleRows = size.path("height").asInt(0);
      consoleCols = size.path("width").asInt(0);
      List<String> args = new ArrayList<>();
      need(p, "args").forEach(a -> args.add(a.asText()));
      if (args.isEmpty()) {
        throw refuse("process.args", "is empty: give the command to run");
      }
      b.args(args);
      Map<String, String> env = new LinkedHashMap<>();
      p.path("env").forEach(e -> {
        String kv = e.asText();
        int eq = kv.indexOf('=');
        if (eq <= 0) {
          throw refuse("process.env", "has '" + kv + "', which is not NAME=VALUE");
        }
        env.put(kv.substring(0, eq), kv.substring(eq + 1));
      });
      b.env(env);
      b.cwd(text(p, "cwd", "/"));
      JsonNode user = p.path("user");
      known(user, "process.user", "uid", "gid", "umask", "additionalGids", "username");
      int umask = -1;
      if (user.has("umask") && !user.get("umask").isNull()) {
        umask = user.get("umask").asInt(-1);
        if (!user.get("umask").canConvertToInt() || umask < 0 || umask > 0777) {
          throw refuse("process.user.umask", "is " + user.get("umask") + ": give a number from 0 to 511 (0777)");
        }
      }
      processUser = user;
      int uid = user.path("uid").asInt(0);
      b.uid(uid).gid(user.path("gid").asInt(0));
      user.path("additionalGids").forEach(g -> b.addAdditionalGids(g.asInt()));
      process = capabilities(p.path("capabilities"), p.path("noNewPrivileges").asBoolean(false), umask);
      int i = 0;
      for (JsonNode r : p.path("rlimits")) {
        String at = "process.rlimits[" + i++ + "]";
        known(r, at, "type", "soft", "hard");
        String type = r.path("type").asText();
        jnr.constants.platform.RLIMIT res;
        try {
          res = jnr.constants.platform.RLIMIT.valueOf(type);
        } catch (IllegalArgumentException e) {
          throw refuse(at + ".type", "is '" + type + "', which is no RLIMIT_ name this host knows");
        }
        rlimits.add(new InitHostSteps.Rlimit(type, res.intValue(), r.path("soft").asLong(), r.path("hard").asLong()));
      }
      if (p.has("oomScoreAdj")) {
        int adj = p.get("oomScoreAdj").asInt();
        if (adj < -1000 || adj > 1000) {
          throw refuse("process.oomScoreAdj", "is " + adj + ": give -1000 to 1000");
        }
        oomScoreAdj = java.util.OptionalInt.of(adj);
      }
      for (String f : List.of("apparmorProfile", "selinuxLabel", "commandLine")) {
        if (p.has(f)) {
          throw refuse("process." + f, "is not supported yet: drop it");
        }
      }
    }

    /**
     * The bounding set becomes the spec's capabilities (poc-init's bounding set); the other four go
     * to poc-init as they are, for any uid ({@link OciProcess}). Absent: none at all.
     */
    private OciProcess capabilities(JsonNode caps, boolean noNewPrivileges, int umask) {
      known(caps, "process.capabilities", "bounding", "effective", "permitted", "inheritable", "ambient");
      Set<Capability> bounding = capSet(caps, "bounding");
      Set<Capability> drop = EnumSet.allOf(Capability.class);
      drop.removeAll(bounding);
      if (!bounding.isEmpty()) {
        b.capAdd(bounding.toArray(Capability[]::new));
      }
      b.capDrop(drop.toArray(Capability[]::new));
      return new OciProcess(Capability.mask(capSet(caps, "effective")), Capability.mask(capSet(caps, "permitted")),
          Capability.mask(capSet(caps, "inheritable")), Capability.mask(capSet(caps, "ambient")), noNewPrivileges, umask);
    }

    private Set<Capability> capSet(JsonNode caps, String name) {
      Set<Capability> set = EnumSet.noneOf(Capability.class);
      for (JsonNode c : caps.path(name)) {
        try {
          set.add(Capability.parse(c.asText()));
        } catch (InvalidSpecException e) {
          throw refuse("process.capabilities." + name, "has " + e.getMessage());
        }
      }
      return set;
    }

    private void rootfs(JsonNode r) {
      known(r, "root", "path", "readonly");
      Path path = Path.of(need(r, "path").asText());
      if (!path.isAbsolute()) {
        path = bundle.resolve(path);
      }
      rootPath = path.normalize();
      rootReadOnly = r.path("readonly").asBoolean(false);
    }

    private Set<Namespace> linux(JsonNode l) {
      known(l, "linux", "namespaces", "resources", "cgroupsPath", "maskedPaths", "readonlyPaths", "seccomp",
          "devices", "uidMappings", "gidMappings", "sysctl", "rootfsPropagation", "mountLabel", "intelRdt",
          "personality", "timeOffsets");
      Set<Namespace> namespaces = EnumSet.noneOf(Namespace.class);
      Map<Namespace, Path> joins = new LinkedHashMap<>();
      boolean userNamespace = false;
      int i = 0;
      for (JsonNode ns : l.path("namespaces")) {
        String at = "linux.namespaces[" + i++ + "]";
        known(ns, at, "type", "path");
        String type = ns.path("type").asText();
        Namespace kind = switch (type) {
          case "pid" -> Namespace.PID;
          case "network" -> Namespace.NET;
          case "ipc" -> Namespace.IPC;
          case "uts" -> Namespace.UTS;
          case "mount" -> Namespace.MOUNT;
          case "cgroup", "user" -> null;
          default -> throw refuse(at + ".type", "is '" + type + "', which poc does not support yet");
        };
        String path = text(ns, "path", "");
        if (type.equals("user")) {
          if (!path.isEmpty()) {
            throw refuse(at + ".path", "joins a user namespace, which poc does not support yet: drop the path "
                + "and give linux.uidMappings and gidMappings for a user namespace of the container's own");
          }
          userNamespace = true;
          continue;
        }
        if (kind == null) {
          notes.add("linux.namespaces has cgroup: poc leaves the cgroup namespace the host's");
          if (!path.isEmpty()) {
            throw refuse(at + ".path", "joins a cgroup namespace, which poc does not support yet: drop the path");
          }
          continue;
        }
        namespaces.add(kind);
        if (!path.isEmpty()) {
          if (!Path.of(path).isAbsolute() || !Files.exists(Path.of(path))) {
            throw refuse(at + ".path", "is '" + path + "', which is not an existing absolute path "
                + "(give a namespace file such as /proc/PID/ns/" + (kind == Namespace.NET ? "net" : type) + ")");
          }
          if (kind == Namespace.MOUNT && sameInode(Path.of(path), Path.of("/proc/self/ns/mnt"))) {
            throw refuse(at + ".path", "is '" + path + "', the runtime's own mount namespace: the root would be "
                + "built on the host; leave the mount namespace out of linux.namespaces instead");
          }
          joins.put(kind, Path.of(path));
        }
      }
      resources(l.path("resources"));
      if (l.has("seccomp")) {
        b.seccomp(Seccomp.fromJson(l.get("seccomp").toString(), file + " linux.seccomp"));
      } else {
        b.seccomp(Seccomp.unconfined());
      }
      placement = cgroupsPath(text(l, "cgroupsPath", ""));
      java.util.Optional<List<String>> masked = java.util.Optional.empty();
      List<String> readOnly = List.of();
      if (l.has("maskedPaths") || l.has("readonlyPaths")) {
        masked = java.util.Optional.of(absolutePaths(l.path("maskedPaths"), "linux.maskedPaths"));
        readOnly = absolutePaths(l.path("readonlyPaths"), "linux.readonlyPaths");
      } else {
        notes.add("linux.maskedPaths and readonlyPaths are absent: poc masks its own list (/proc/kcore, /proc/keys, ..., /sys/firmware)");
      }
      List<OciLinux.Device> devices = devices(l.path("devices"));
      l.path("sysctl").fields().forEachRemaining(e -> sysctls.put(sysctl(e.getKey(), namespaces), e.getValue().asText()));
      idMapping = idMapping(l, userNamespace);
      for (int d = 0; userNamespace && d < devices.size(); d++) {
        if (devices.get(d).type() != 'p') {
          throw refuse("linux.devices[" + d + "]", "is a device node in a user namespace, where the kernel refuses "
              + "mknod; poc does not bind the host's node instead yet: drop it or the user namespace");
        }
      }
      for (String f : List.of("mountLabel", "intelRdt", "personality", "timeOffsets")) {
        if (l.has(f) && !(l.get(f).isContainerNode() && l.get(f).isEmpty())) {
          throw refuse("linux." + f, "is not supported yet: drop it");
        }
      }
      linux = new OciLinux(joins, masked, readOnly, propagation(l.path("rootfsPropagation").asText("")), List.of(), devices, false, "");
      return namespaces;
    }

    /**
     * A user namespace of the container's own with the config's maps, which the helper writes to
     * /proc/PID/uid_map and gid_map right after the clone (as root may, directly). The rootfs is
     * used as the engine prepared it: runc does not chown it either, so its files must belong to
     * the mapped ids (Docker's userns-remap, podman's --uidmap do that).
     */
    private Optional<IdMapping> idMapping(JsonNode l, boolean userNamespace) {
      String uids = idMap(l.path("uidMappings"), "linux.uidMappings");
      String gids = idMap(l.path("gidMappings"), "linux.gidMappings");
      if (!userNamespace) {
        if (!uids.isEmpty() || !gids.isEmpty()) {
          throw refuse(uids.isEmpty() ? "linux.gidMappings" : "linux.uidMappings", "is given without a user namespace: "
              + "add {\"type\": \"user\"} to linux.namespaces, or drop the mappings");
        }
        return Optional.empty();
      }
      if (uids.isEmpty() || gids.isEmpty()) {
        throw refuse(uids.isEmpty() ? "linux.uidMappings" : "linux.gidMappings", "is missing or empty while "
            + "linux.namespaces has a user namespace: give both maps ({\"containerID\": 0, \"hostID\": 100000, "
            + "\"size\": 65536}), or drop the user namespace");
      }
      IdMapping maps = IdMapping.of(uids, gids);
      // the process's ids are ids inside the namespace: one the maps leave out could never be switched to
      if (!maps.mapsUid(processUser.path("uid").asLong(0))) {
        throw refuse("process.user.uid", "is " + processUser.path("uid").asLong(0) + ", which linux.uidMappings does not "
            + "map (" + uids.replace('\n', ',') + "): map it or run as a mapped uid");
      }
      List<Long> gidsUsed = new ArrayList<>(List.of(processUser.path("gid").asLong(0)));
      processUser.path("additionalGids").forEach(g -> gidsUsed.add(g.asLong()));
      for (long g : gidsUsed) {
        if (!maps.mapsGid(g)) {
          throw refuse("process.user", "has gid " + g + ", which linux.gidMappings does not map (" + gids.replace('\n', ',')
              + "): map it or drop it");
        }
      }
      return Optional.of(maps);
    }

    /** One of the maps as /proc/PID/uid_map takes it ("" when absent): "INSIDE OUTSIDE COUNT" lines. */
    private String idMap(JsonNode list, String at) {
      List<String> lines = new ArrayList<>();
      int i = 0;
      for (JsonNode m : list) {
        String entry = at + "[" + i++ + "]";
        known(m, entry, "containerID", "hostID", "size");
        long inside = idField(m, entry, "containerID");
        long outside = idField(m, entry, "hostID");
        long size = idField(m, entry, "size");
        if (size == 0) {
          throw refuse(entry + ".size", "is 0: give the number of ids the line maps (1 or more)");
        }
        lines.add(inside + " " + outside + " " + size);
      }
      if (lines.size() > 340) {
        throw refuse(at, "has " + lines.size() + " entries: the kernel takes at most 340");
      }
      return String.join("\n", lines);
    }

    private long idField(JsonNode m, String entry, String field) {
      JsonNode v = m.get(field);
      if (v == null || !v.canConvertToLong() || v.asLong() < 0 || v.asLong() > 0xffffffffL) {
        throw refuse(entry + "." + field, "is " + v + ": give a number from 0 to 4294967295");
      }
      return v.asLong();
    }

    /**
     * {@code linux.devices}: nodes poc-init makes after the mounts (its device cgroup lets the
     * container use one only where {@code linux.resources.devices} allows it, as runc's does).
     */
    private List<OciLinux.Device> devices(JsonNode list) {
      List<OciLinux.Device> devices = new ArrayList<>();
      int i = 0;
      for (JsonNode d : list) {
        String at = "linux.devices[" + i++ + "]";
        known(d, at, "path", "type", "major", "minor", "fileMode", "uid", "gid");
        String path = need(d, "path").asText();
        absolutePaths(JSON.createArrayNode().add(path), at + ".path");
        if (path.equals("/") || path.endsWith("/")) {
          throw refuse(at + ".path", "is '" + path + "': give the node's path, e.g. /dev/fuse");
        }
        String type = need(d, "type").asText();
        if (!type.matches("[cbup]")) {
          throw refuse(at + ".type", "is '" + type + "': give c, b, u or p");
        }
        boolean fifo = type.equals("p");
        if (!fifo && (!d.has("major") || !d.has("minor"))) {
          throw refuse(at, "has no major or minor number: a " + type + " device needs both");
        }
        long major = d.path("major").asLong(0);
        long minor = d.path("minor").asLong(0);
        if (major < 0 || minor < 0 || major > 0xfff || minor > 0xfffff) {
          throw refuse(at, "has major " + major + " and minor " + minor + ": give 0 to 4095 and 0 to 1048575");
        }
        int mode = d.path("fileMode").asInt(0666);
        devices.add(new OciLinux.Device(path, type.equals("u") ? 'c' : type.charAt(0), major, minor, mode & 07777,
            d.path("uid").asLong(0), d.path("gid").asLong(0)));
      }
      return devices;
    }

    /**
     * {@code linux.cgroupsPath} as runc's cgroupfs driver reads it: absolute, from each hierarchy's
     * root; relative, under poc's own parent; absent, {@code poc/ID}. The systemd driver's
     * {@code slice:prefix:name} is refused, as {@code --systemd-cgroup} is.
     */
    private CgroupPlacement cgroupsPath(String path) {
      if (path.isEmpty()) {
        return CgroupPlacement.standard(id);
      }
      String at = "linux.cgroupsPath";
      if (path.matches("[^/:]*:[^/:]*:[^/:]+")) {
        throw refuse(at, "is '" + path + "', the systemd driver's slice:prefix:name form: poc drives cgroupfs only; "
            + "run the engine with the cgroupfs driver (Docker: --exec-opt native.cgroupdriver=cgroupfs) or give a path");
      }
      List<String> elements = new ArrayList<>();
      for (String e : path.split("/")) {
        if (e.equals("..")) {
          throw refuse(at, "is '" + path + "': give a path without '..'");
        }
        if (!e.isEmpty() && !e.equals(".")) {
          elements.add(e);
        }
      }
      if (elements.isEmpty()) {
        throw refuse(at, "is '" + path + "', the root group, which holds the host's processes: give a group below it");
      }
      String leaf = elements.remove(elements.size() - 1);
      String parent = String.join("/", elements);
      if (!path.startsWith("/")) {
        parent = parent.isEmpty() ? Cgroups.PARENT : Cgroups.PARENT + "/" + parent;
      }
      return new CgroupPlacement(parent, leaf, GroupTuning.NONE);
    }

    private static boolean sameInode(Path a, Path b) {
      try {
        return Files.getAttribute(a, "unix:ino").equals(Files.getAttribute(b, "unix:ino"))
            && Files.getAttribute(a, "unix:dev").equals(Files.getAttribute(b, "unix:dev"));
      } catch (IOException | UnsupportedOperationException e) {
        return false;
      }
    }

    /** rootfsPropagation as mount(2) flags: 0 (poc's default, every mount private) for private and rprivate. */
    private long propagation(String value) {
      final long rec = 0x4000;
      return switch (value) {
        case "", "private", "rprivate" -> 0;
        case "shared" -> 0x100000L;
        case "rshared" -> 0x100000L | rec;
        case "slave" -> 0x80000L;
        case "rslave" -> 0x80000L | rec;
        case "unbindable" -> 0x20000L;
        case "runbindable" -> 0x20000L | rec;
        default -> throw refuse("linux.rootfsPropagation", "is '" + value
            + "': give shared, slave, private or unbindable, each with an optional leading r");
      };
    }

    private List<String> absolutePaths(JsonNode list, String at) {
      List<String> out = new ArrayList<>();
      for (JsonNode p : list) {
        String path = p.asText();
        if (!path.startsWith("/") || path.contains("/../") || path.endsWith("/..")) {
          throw refuse(at, "has '" + path + "': give absolute paths inside the container, without '..'");
        }
        out.add(path);
      }
      return out;
    }

    private void resources(JsonNode r) {
      known(r, "linux.resources", "memory", "cpu", "pids", "devices", "blockIO", "hugepageLimits", "network", "rdma", "unified");
      JsonNode mem = r.path("memory");
      known(mem, "linux.resources.memory", "limit", "reservation", "swap", "kernel", "kernelTCP", "swappiness",
          "disableOOMKiller", "useHierarchy", "checkBeforeUpdate");
      long memLimit = mem.path("limit").asLong(0);
      if (memLimit > 0) {
        b.memory(Long.toString(memLimit));
      }
      memory(mem, memLimit);
      JsonNode cpu = r.path("cpu");
      known(cpu, "linux.resources.cpu", "shares", "quota", "period", "realtimeRuntime", "realtimePeriod", "cpus", "mems", "idle", "burst");
      if (cpu.has("shares") && cpu.get("shares").asLong() > 0) {
        b.cpuShares(cpu.get("shares").asLong());
      }
      // the quota and period go to the group as given (runc's), not as a fraction of a core
      if (cpu.has("quota") && !cpu.get("quota").isNull() && cpu.get("quota").asLong() != 0) {
        cpuQuota = OptionalLong.of(cpu.get("quota").asLong());
      }
      if (cpu.has("period") && !cpu.get("period").isNull() && cpu.get("period").asLong() != 0) {
        long period = cpu.get("period").asLong();
        if (period < 1000 || period > 1_000_000) {
          throw refuse("linux.resources.cpu.period", "is " + period + ": give 1000 to 1000000 microseconds");
        }
        cpuPeriod = OptionalLong.of(period);
      }
      cpusetCpus = text(cpu, "cpus", "");
      cpusetMems = text(cpu, "mems", "");
      for (String f : List.of("realtimeRuntime", "realtimePeriod", "idle", "burst")) {
        if (cpu.has(f) && !cpu.get(f).asText().isEmpty() && !cpu.get(f).asText().equals("0")) {
          throw refuse("linux.resources.cpu." + f, "is not supported yet: drop it");
        }
      }
      JsonNode pids = r.path("pids");
      known(pids, "linux.resources.pids", "limit");
      long limit = pids.path("limit").asLong(0);
      if (limit > 0) {
        b.pids(limit);
      } else {
        b.unlimitedPids();
      }
      if (r.has("devices")) {
        deviceRules = Optional.of(deviceRules(r.get("devices")));
      }
      blockIO(r.path("blockIO"));
      hugepageLimits(r.path("hugepageLimits"));
      for (String f : List.of("network", "rdma", "unified")) {
        if (r.has(f) && !(r.get(f).isContainerNode() && r.get(f).isEmpty())) {
          throw refuse("linux.resources." + f, "is not supported yet: drop it");
        }
      }
    }

    /**
     * The memory fields beyond the limit, as cgroup v1 memory files: reservation (the soft limit),
     * swap (memory+swap; poc's default is the limit itself, no swap on top, which is what cgroup v2
     * and a kernel without swap accounting keep), swappiness, disableOOMKiller and kernelTCP.
     * {@code kernel} is refused: the kernel ignores memory.kmem.limit_in_bytes since 5.16.
     */
    private void memory(JsonNode mem, long memLimit) {
      String at = "linux.resources.memory";
      if (set(mem, "swap")) {
        long swap = mem.get("swap").asLong();
        if (memLimit <= 0 || (swap > 0 && swap < memLimit)) {
          throw refuse(at + ".swap", "is " + swap + ", which needs a memory limit at or below it");
        }
        if (swap != memLimit) {
          v1Files.add(new GroupTuning.V1File("memory", "memory.memsw.limit_in_bytes", Long.toString(swap), at + ".swap", false));
          notes.add(at + ".swap " + swap + ": memory+swap on cgroup v1 with swap accounting; elsewhere poc gives the "
              + "container no swap on top of its memory limit (memory+swap = " + memLimit + ")");
        }
      }
      if (set(mem, "reservation")) {
        long reservation = mem.get("reservation").asLong();
        if (reservation < -1) {
          throw refuse(at + ".reservation", "is " + reservation + ": give bytes (-1 for none)");
        }
        v1Files.add(new GroupTuning.V1File("memory", "memory.soft_limit_in_bytes", Long.toString(reservation), at + ".reservation"));
      }
      JsonNode swappiness = mem.get("swappiness");
      // absent, null, or -1 (Docker's "the host's", also as uint64's max) leave the kernel's
      if (swappiness != null && !swappiness.isNull() && !swappiness.asText().equals("-1")
          && !swappiness.asText().equals("18446744073709551615")) {
        if (!swappiness.canConvertToInt() || swappiness.asInt() < 0 || swappiness.asInt() > 100) {
          throw refuse(at + ".swappiness", "is " + swappiness + ": give 0 to 100");
        }
        v1Files.add(new GroupTuning.V1File("memory", "memory.swappiness", swappiness.asText(), at + ".swappiness"));
      }
      if (mem.path("disableOOMKiller").asBoolean(false)) {
        v1Files.add(new GroupTuning.V1File("memory", "memory.oom_control", "1", at + ".disableOOMKiller"));
      }
      if (set(mem, "kernelTCP")) {
        v1Files.add(new GroupTuning.V1File("memory", "memory.kmem.tcp.limit_in_bytes", mem.get("kernelTCP").asText(),
            at + ".kernelTCP"));
      }
      if (set(mem, "kernel")) {
        throw refuse(at + ".kernel", "is deprecated: kernels since 5.16 ignore memory.kmem.limit_in_bytes "
            + "(cgroup v2 has no such limit); drop it, the memory limit counts kernel memory too");
      }
    }

    /**
     * {@code linux.resources.hugepageLimits} as cgroup v1 {@code hugetlb.SIZE.limit_in_bytes}: a
     * host without a v1 hugetlb hierarchy (this one has hugetlb on its cgroup2 mount only, which
     * poc does not drive for it) refuses the create naming the field; a page size the kernel does
     * not have fails naming it.
     */
    private void hugepageLimits(JsonNode list) {
      int i = 0;
      for (JsonNode h : list) {
        String at = "linux.resources.hugepageLimits[" + i++ + "]";
        known(h, at, "pageSize", "limit");
        String size = text(h, "pageSize", "");
        if (!size.matches("[1-9][0-9]*[KMG]B")) {
          throw refuse(at + ".pageSize", "is '" + size + "': give a huge page size as the kernel names it (2MB, 1GB)");
        }
        JsonNode limit = h.get("limit");
        if (limit == null || !limit.canConvertToLong() || limit.asLong() < 0) {
          throw refuse(at + ".limit", "is " + limit + ": give bytes");
        }
        v1Files.add(new GroupTuning.V1File("hugetlb", "hugetlb." + size + ".limit_in_bytes", limit.asText(), at));
      }
    }

    /** Whether {@code field} is given and not 0 (OCI's "not set" for these numbers). */
    private static boolean set(JsonNode node, String field) {
      JsonNode v = node.get(field);
      return v != null && !v.isNull() && v.asLong() != 0;
    }

    /**
     * {@code linux.resources.blockIO} as cgroup v1 blkio files (the group joins the blkio hierarchy
     * only then): a weight of 0 is "not set" (Docker's); a file the kernel does not offer (no
     * blkio.weight without the CFQ or BFQ scheduler) fails the create naming the field.
     */
    private void blockIO(JsonNode io) {
      String at = "linux.resources.blockIO";
      known(io, at, "weight", "leafWeight", "weightDevice", "throttleReadBpsDevice", "throttleWriteBpsDevice",
          "throttleReadIOPSDevice", "throttleWriteIOPSDevice");
      weight(io, "weight", at + ".weight", "blkio.weight", "");
      weight(io, "leafWeight", at + ".leafWeight", "blkio.leaf_weight", "");
      int i = 0;
      for (JsonNode d : io.path("weightDevice")) {
        String entry = at + ".weightDevice[" + i++ + "]";
        known(d, entry, "major", "minor", "weight", "leafWeight");
        String device = device(d, entry);
        weight(d, "weight", entry + ".weight", "blkio.weight_device", device + " ");
        weight(d, "leafWeight", entry + ".leafWeight", "blkio.leaf_weight_device", device + " ");
      }
      Map<String, String> throttles = new LinkedHashMap<>();
      throttles.put("throttleReadBpsDevice", "blkio.throttle.read_bps_device");
      throttles.put("throttleWriteBpsDevice", "blkio.throttle.write_bps_device");
      throttles.put("throttleReadIOPSDevice", "blkio.throttle.read_iops_device");
      throttles.put("throttleWriteIOPSDevice", "blkio.throttle.write_iops_device");
      throttles.forEach((field, file) -> {
        int j = 0;
        for (JsonNode d : io.path(field)) {
          String entry = at + "." + field + "[" + j++ + "]";
          known(d, entry, "major", "minor", "rate");
          JsonNode rate = d.get("rate");
          if (rate == null || !rate.canConvertToLong() || rate.asLong() < 0) {
            throw refuse(entry + ".rate", "is " + rate + ": give a number of bytes or operations per second (0: no limit)");
          }
          v1Files.add(new GroupTuning.V1File("blkio", file, device(d, entry) + " " + rate.asLong(), entry));
        }
      });
    }

    /** A blkio weight (10 to 1000; 0 or absent: not set) written as {@code prefix + weight} to {@code file}. */
    private void weight(JsonNode node, String key, String field, String file, String prefix) {
      JsonNode w = node.get(key);
      if (w == null || w.isNull() || (w.canConvertToInt() && w.asInt() == 0)) {
        return;
      }
      if (!w.canConvertToInt() || w.asInt() < 10 || w.asInt() > 1000) {
        throw refuse(field, "is " + w + ": give 10 to 1000 (0 for not set)");
      }
      v1Files.add(new GroupTuning.V1File("blkio", file, prefix + w.asInt(), field));
    }

    /** A block device's {@code MAJOR:MINOR}, as the blkio files take it. */
    private String device(JsonNode d, String entry) {
      for (String f : List.of("major", "minor")) {
        if (!d.has(f) || !d.get(f).canConvertToLong() || d.get(f).asLong() < 0) {
          throw refuse(entry + "." + f, "is " + d.get(f) + ": give the block device's " + f + " number (ls -l /dev/vda)");
        }
      }
      return d.get("major").asLong() + ":" + d.get("minor").asLong();
    }

    /**
     * {@code linux.resources.devices}, in order; the group applies them after its "deny all" and
     * before the allows of the nodes poc makes in every /dev (which stay usable whatever they say).
     */
    private List<GroupTuning.DeviceRule> deviceRules(JsonNode list) {
      List<GroupTuning.DeviceRule> rules = new ArrayList<>();
      int i = 0;
      for (JsonNode d : list) {
        String at = "linux.resources.devices[" + i++ + "]";
        known(d, at, "allow", "type", "major", "minor", "access");
        if (!d.has("allow")) {
          throw refuse(at + ".allow", "is missing: say true or false");
        }
        String type = text(d, "type", "a");
        if (!type.equals("a") && !type.equals("c") && !type.equals("b")) {
          throw refuse(at + ".type", "is '" + type + "': give a (all), c or b");
        }
        String access = text(d, "access", "rwm");
        if (!access.matches("[rwm]{1,3}")) {
          throw refuse(at + ".access", "is '" + access + "': give some of r, w and m");
        }
        long major = d.has("major") && !d.get("major").isNull() ? d.get("major").asLong() : -1;
        long minor = d.has("minor") && !d.get("minor").isNull() ? d.get("minor").asLong() : -1;
        rules.add(new GroupTuning.DeviceRule(d.get("allow").asBoolean(), type.charAt(0), major, minor, access));
      }
      return rules;
    }

    private void mounts(JsonNode mounts, Set<Namespace> namespaces) {
      int i = 0;
      for (JsonNode m : mounts) {
        String at = "mounts[" + i++ + "]";
        known(m, at, "destination", "type", "source", "options", "uidMappings", "gidMappings");
        for (String f : List.of("uidMappings", "gidMappings")) {
          if (m.path(f).size() > 0) {
            throw refuse(at + "." + f, "asks for an idmapped mount, which poc does not support yet: drop it "
                + "(and give the source the ids the container sees)");
          }
        }
        String dest = need(m, "destination").asText();
        String type = m.path("type").asText("bind");
        List<String> options = new ArrayList<>();
        m.path("options").forEach(o -> options.add(o.asText()));
        boolean bind = type.equals("bind") || type.equals("rbind") || options.contains("bind") || options.contains("rbind");
        String own = OWN_MOUNTS.get(dest);
        if (own != null && (own.equals(type) || bind && dest.equals("/dev/shm"))) {
          if (bind) {
            notes.add(at + ": /dev/shm is poc's own tmpfs, not a bind of " + m.path("source").asText());
          }
          continue; // poc mounts it itself, with the same type
        }
        if (type.equals("cgroup") || type.equals("cgroup2")) {
          notes.add(at + ": poc does not mount a cgroup filesystem at " + dest + " yet");
          continue;
        }
        if (bind) {
          bind(at, m, dest, options);
          continue;
        }
        if (type.equals("tmpfs")) {
          tmpfs(at, dest, options);
          continue;
        }
        throw refuse(at, "is a " + type + " mount at " + dest + ", which poc does not support yet "
            + "(it supports bind and tmpfs mounts and makes /proc, /dev, /dev/pts, /dev/shm, /dev/mqueue and /sys itself)");
      }
      if (!namespaces.contains(Namespace.MOUNT)) {
        // the root is still built in a private namespace; the init then goes back to the host's (OciLinux)
        namespaces.add(Namespace.MOUNT);
        hostMounts = true;
        notes.add("linux.namespaces has no mount namespace: the container shares the host's, its root a chroot "
            + "into mounts poc builds in a private namespace (none of them appears on the host)");
      }
    }

    /**
     * A bind (always recursive, as poc-init attaches the whole tree): ro, nosuid, nodev and noexec
     * applied; a propagation option applied to it once mounted; the atime options and a tmpfs's
     * data options, which a bind ignores, noted.
     */
    private void bind(String at, JsonNode m, String dest, List<String> options) {
      Path source = Path.of(need(m, "source").asText());
      if (!source.isAbsolute()) {
        source = bundle.resolve(source);
      }
      if (!Files.exists(source)) {
        throw refuse(at + ".source", "is " + source + ", which does not exist: create it or fix the path");
      }
      List<String> flags = new ArrayList<>();
      List<String> ignored = new ArrayList<>();
      long propagation = 0;
      for (String o : options) {
        if (Set.of("ro", "nosuid", "nodev", "noexec").contains(o)) {
          flags.add(o);
        } else if (PROPAGATION.containsKey(o)) {
          propagation = PROPAGATION.get(o);
        } else if (ATIME.contains(o) || o.matches("(size|mode|nr_inodes|uid|gid)=[0-9a-zA-Z%]+")) {
          ignored.add(o);
        } else if (!Set.of("bind", "rbind", "rw", "suid", "dev", "exec").contains(o)) {
          throw refuse(at + ".options", "has '" + o + "', which poc does not support for a bind yet: drop it");
        }
      }
      if (!ignored.isEmpty()) {
        notes.add(at + ": the bind at " + dest + " ignores " + String.join(",", ignored));
      }
      checkDestination(at, dest);
      ociMounts.add(new OciLinux.Mount(true, source, dest, String.join(",", flags), propagation));
    }

    /**
     * A tmpfs (containerd's /run, say): its size, mode, inode count and owner go to tmpfs as they
     * are; poc-init always mounts it nosuid,nodev; what it does not apply (noexec, the atime
     * options) is noted; ro is refused.
     */
    private void tmpfs(String at, String dest, List<String> options) {
      List<String> data = new ArrayList<>();
      List<String> notApplied = new ArrayList<>();
      long propagation = 0;
      for (String o : options) {
        if (o.matches("(size|mode|nr_inodes|nr_blocks|uid|gid)=[0-9a-zA-Z%]+")) {
          data.add(o);
        } else if (o.equals("ro")) {
          throw refuse(at + ".options", "has 'ro', which poc does not support for a tmpfs yet: drop it");
        } else if (PROPAGATION.containsKey(o)) {
          propagation = PROPAGATION.get(o);
        } else if (!Set.of("nosuid", "nodev", "rw", "tmpfs").contains(o)) {
          if (!ATIME.contains(o) && !Set.of("noexec", "exec").contains(o)) {
            throw refuse(at + ".options", "has '" + o + "', which poc does not support for a tmpfs yet: drop it");
          }
          notApplied.add(o);
        }
      }
      if (!notApplied.isEmpty()) {
        notes.add(at + ": the tmpfs at " + dest + " is nosuid,nodev; " + String.join(",", notApplied) + " not applied");
      }
      checkDestination(at, dest);
      ociMounts.add(new OciLinux.Mount(false, null, dest, String.join(",", data), propagation));
    }

    /** poc's rules for a mount's destination (absolute, no "..", not under /proc, /sys or /dev). */
    private void checkDestination(String at, String dest) {
      try {
        dev.poc.BindMount.of(Path.of("/"), dest, false);
      } catch (InvalidSpecException e) {
        throw refuse(at + ".destination", "'" + dest + "': " + e.getMessage());
      }
    }

    /** A sysctl the container's own namespaces hold, as poc-init writes it (checked: a path part). */
    private String sysctl(String key, Set<Namespace> namespaces) {
      String at = "linux.sysctl." + key;
      if (!key.matches("[a-z0-9_]+(\\.[a-z0-9_-]+)+")) {
        throw refuse(at, "is not a sysctl name poc accepts (lower-case words joined by dots)");
      }
      boolean net = key.startsWith("net.") && namespaces.contains(Namespace.NET);
      boolean ipc = (key.startsWith("kernel.msg") || key.startsWith("kernel.shm") || key.equals("kernel.sem")
          || key.startsWith("fs.mqueue.")) && namespaces.contains(Namespace.IPC);
      if (!net && !ipc) {
        throw refuse(at, "is not namespaced in this container (only net.* with a network namespace and the IPC "
            + "ones with an ipc namespace are): setting it would change the host");
      }
      return key;
    }

    private void known(JsonNode node, String at, String... fields) {
      KnownFields.check(node, at, this::refuse, fields);
    }

    private JsonNode need(JsonNode node, String field) {
      JsonNode v = node.get(field);
      if (v == null || v.isNull()) {
        throw refuse(field, "is missing");
      }
      return v;
    }

    private static String text(JsonNode node, String field, String otherwise) {
      JsonNode v = node.get(field);
      return v == null || v.isNull() ? otherwise : v.asText();
    }

    private InvalidSpecException refuse(String field, String why) {
      return new InvalidSpecException(file + ": " + field + " " + why);
    }
  }
}
