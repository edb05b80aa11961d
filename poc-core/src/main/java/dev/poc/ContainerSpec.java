package dev.poc;

import dev.poc.internal.ContainerNames;
import dev.poc.internal.Sizes;
import dev.poc.storage.Disk;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import dev.poc.seccomp.Seccomp;
import dev.poc.seccomp.bpf.SeccompPrograms;
import org.immutables.value.Value;

/**
 * Everything that describes one container, in the OCI runtime-spec vocabulary: process (args,
 * env, cwd, user), root, mounts, linux namespaces and resources, plus poc's network and disk.
 *
 * <p>Immutable. Make one with {@link Container#builder()} (or {@link ContainerRuntime#builder()})
 * and run it with {@link Builder#start()}.
 */
@Value.Immutable
public abstract class ContainerSpec extends ProcessSpec {

  /** The container's name: {@code [a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}}. */
  public abstract String name();

  /** Supplementary groups ({@code process.user.additionalGids}). */
  public abstract List<Integer> additionalGids();

  /** Hostname inside the container; the name unless set. */
  @Value.Default
  public String hostname() {
    return name();
  }

  /** The root filesystem; the disk named like the container when a disk size is set, else {@link Rootfs#host()}. */
  @Value.Default
  public Rootfs rootfs() {
    return diskSize().isPresent() ? Rootfs.disk(name()) : Rootfs.host();
  }

  /** Host paths bound into the container. */
  public abstract List<BindMount> mounts();

  /**
   * Fresh tmpfs mounts inside, by path, each with its mount options ({@code ""} for the defaults,
   * or e.g. {@code "size=64m,mode=1777"}); nosuid and nodev always.
   */
  public abstract java.util.Map<String, String> tmpfs();

  /** Labels: free-form key/value pairs recorded with the container (Docker's and Testcontainers' labels). */
  public abstract java.util.Map<String, String> labels();

  /** The size of {@code /dev/shm} in bytes; 64 MiB unless set (Docker's default). */
  @Value.Default
  public long shmBytes() {
    return 64L << 20;
  }

  /** Files put into the container's root before its command starts, in order. */
  public abstract List<FileCopy> copies();

  /** Namespaces the container gets of its own; all five unless set. */
  @Value.Default
  public Set<Namespace> namespaces() {
    return EnumSet.allOf(Namespace.class);
  }

  /** Resource limits; none unless set. */
  @Value.Default
  public Resources resources() {
    return Resources.none();
  }

  /** How the container is connected; {@link Network#DISABLED} unless set. */
  @Value.Default
  public Network network() {
    return Network.DISABLED;
  }

  /**
   * More names under which the other members of its {@link Network#named named network} reach this
   * container, besides its name (Testcontainers' {@code withNetworkAliases}).
   */
  public abstract List<String> networkAliases();

  /** TCP ports published on the host's 127.0.0.1 (see {@link Builder#publish(int, int)}). */
  public abstract List<PortMapping> ports();

  /**
   * A persistent disk of this size (K/M/G/T, binary units) over the shared base image. When set,
   * the disk named like the container is built on first start and reused afterwards.
   */
  public abstract Optional<String> diskSize();

  /**
   * Where stdout goes: {@link Stdio#LOG} unless set, so output never blocks the command and is
   * there after it ended. {@link Stdio#PIPE} must be read, or a full pipe stops the command.
   */
  @Override
  @Value.Default
  public Stdio stdout() {
    return Stdio.LOG;
  }

  /** Where stderr goes: {@link Stdio#LOG} unless set (see {@link #stdout()}). */
  @Override
  @Value.Default
  public Stdio stderr() {
    return Stdio.LOG;
  }

  /**
   * The size past which the output log is rotated (10 MiB unless set): the log then keeps the
   * current file and the one before, so the last {@code logMaxBytes} of output at least.
   */
  @Value.Default
  public long logMaxBytes() {
    return DEFAULT_LOG_MAX_BYTES;
  }

  /** The default of {@link #logMaxBytes()}: 10 MiB, as a Docker user would set json-file's max-size. */
  public static final long DEFAULT_LOG_MAX_BYTES = 10L << 20;

  /** Whether the container outlives this JVM (it is then stopped with {@code poc stop} or the API). */
  @Value.Default
  public boolean detached() {
    return false;
  }

  /** The signal {@link Container#stop} sends first; SIGTERM unless set (an image's StopSignal sets it). */
  @Value.Default
  public Signal stopSignal() {
    return Signal.TERM;
  }

  /**
   * Whether the container is removed, log included, as soon as it has ended ({@code docker run
   * --rm}); unless set, an ended detached container stays ({@code poc ps -a}, {@code poc logs})
   * until {@code poc rm}. A container that is not detached is removed by {@link Container#close()}.
   */
  @Value.Default
  public boolean autoRemove() {
    return false;
  }

  /** How long {@link Container#close()} waits after SIGTERM before SIGKILL. */
  @Value.Default
  public Duration stopTimeout() {
    return Duration.ofSeconds(10);
  }

  /**
   * Runs the container privileged: every capability, and no seccomp filter unless one is set. It
   * gives up what keeps a container's root from being the host's root: with CAP_SYS_ADMIN,
   * CAP_SYS_MODULE, CAP_SYS_RAWIO and every call open, it can mount, load kernel modules and
   * reach hardware. poc still keeps its masked /proc paths and its device filter.
   */
  @Value.Default
  public boolean privileged() {
    return false;
  }

  /** Capabilities added to {@link Capability#dockerDefaults()}; an added one wins over a dropped one. */
  public abstract Set<Capability> capAdd();

  /** Capabilities taken from {@link Capability#dockerDefaults()}. */
  public abstract Set<Capability> capDrop();

  /**
   * The seccomp filter of the container and of everything exec'd in it: {@link
   * Seccomp#dockerDefault()} unless set ({@link Seccomp#unconfined()} when {@link #privileged()}).
   */
  @Value.Default
  public Seccomp seccomp() {
    return privileged() ? Seccomp.unconfined() : Seccomp.dockerDefault();
  }

  /**
   * The capabilities a root command in the container has, as Docker counts them: the defaults
   * (all when privileged) less {@link #capDrop()}, plus {@link #capAdd()}; when every capability is
   * added, all of them less the dropped ones. A non-root command has none.
   */
  @Value.Lazy
  public Set<Capability> capabilities() {
    boolean addsAll = capAdd().containsAll(EnumSet.allOf(Capability.class));
    Set<Capability> caps = EnumSet.noneOf(Capability.class);
    caps.addAll(privileged() || addsAll ? EnumSet.allOf(Capability.class) : Capability.dockerDefaults());
    caps.removeAll(capDrop());
    if (!addsAll) {
      caps.addAll(capAdd());
    }
    return java.util.Collections.unmodifiableSet(caps);
  }

  @Value.Check
  void check() {
    SeccompPrograms.hex(this); // a profile too big for one filter fails here, before anything starts
    ContainerNames.validate(name());
    checkProcess("container '" + name() + "'", !rootfs().strategy().providesCommand());
    diskSize().ifPresent(Disk::parseSize);
    if (!namespaces().contains(Namespace.MOUNT)) {
      throw new InvalidSpecException(
          "the MOUNT namespace cannot be turned off: the root filesystem lives in it");
    }
    if (network() != Network.DISABLED && !namespaces().contains(Namespace.NET)) {
      throw new InvalidSpecException(
          "network " + network().cliName() + " needs the NET namespace: keep Namespace.NET");
    }
    if (!networkAliases().isEmpty() && !network().isNamed()) {
      throw new InvalidSpecException("container '" + name() + "' has network aliases " + networkAliases()
          + " but its network is " + network().cliName() + ": aliases need a named network (Network.named)");
    }
    for (String alias : networkAliases()) {
      if (!HOSTNAME.matcher(alias).matches()) {
        throw new InvalidSpecException("network alias '" + alias + "' of container '" + name()
            + "' is not valid: use 1 to 64 letters, digits, '-', '_' and '.'");
      }
    }
    if (!HOSTNAME.matcher(hostname()).matches()) {
      throw new InvalidSpecException("hostname '" + hostname() + "' of container '" + name()
          + "' is not valid: use 1 to 64 letters, digits, '-', '_' and '.'");
    }
    if (detached() && (stdout() == Stdio.PIPE || stderr() == Stdio.PIPE)) {
      // the JVM holds the pipes' other ends: once it exits, the command's next write kills it (SIGPIPE)
      throw new InvalidSpecException("container '" + name() + "' is detached but writes to a pipe to this JVM, "
          + "which breaks when the JVM exits: leave stdout and stderr at Stdio.LOG (the default), "
          + "or set .stdout(Stdio.DISCARD).stderr(Stdio.DISCARD) (or INHERIT)");
    }
    for (String path : tmpfs().keySet()) {
      BindMount.checkDestination("tmpfs", path);
    }
    if (shmBytes() < 4096) {
      throw new InvalidSpecException("shmBytes " + shmBytes() + " of container '" + name()
          + "' is too small: give at least 4096, e.g. 64M with .shmSize(\"64M\")");
    }
    if (logMaxBytes() < 64 * 1024) {
      throw new InvalidSpecException("logMaxBytes " + logMaxBytes() + " of container '" + name()
          + "' is too small: give at least 65536 (64 KiB)");
    }
  }

  private static final java.util.regex.Pattern HOSTNAME = java.util.regex.Pattern.compile("[a-zA-Z0-9_.-]{1,64}");

  /**
   * A builder of a {@link ContainerSpec} whose {@link #start()} runs it. Short forms such as
   * {@link #command(String...)} and {@link #memory(String)} sit beside the generated setters.
   */
  public static class Builder extends ImmutableContainerSpec.Builder {
    private final ContainerRuntime runtime;
    private Resources limits = Resources.none();
    private String userName;

    Builder(ContainerRuntime runtime) {
      this.runtime = runtime;
    }

    /** A builder on the default runtime (state in {@code /var/lib/poc_container}). */
    public Builder() {
      this(null);
    }

    /** The command and its arguments. */
    public Builder command(String... args) {
      args(List.of(args));
      return this;
    }

    /** The command and its arguments. */
    public Builder command(List<String> args) {
      args(new ArrayList<>(args));
      return this;
    }

    /** Runs the command as {@code uid:gid}. */
    public Builder user(int uid, int gid) {
      uid(uid);
      gid(gid);
      return this;
    }

    /** Binds a host path into the container. */
    public Builder bind(java.nio.file.Path source, String destination, boolean readOnly) {
      addMounts(BindMount.of(source, destination, readOnly));
      return this;
    }

    /** Copies a host file or directory to {@code destination} inside before the command starts. */
    public Builder copyToContainer(java.nio.file.Path source, String destination) {
      addCopies(FileCopy.of(source, destination));
      return this;
    }

    /** Puts {@code content} as the file {@code destination} (with {@code mode}, e.g. 0644) before the command starts. */
    public Builder copyToContainer(byte[] content, int mode, String destination) {
      addCopies(FileCopy.of(content, mode, destination));
      return this;
    }

    /** The size of /dev/shm, e.g. {@code "256M"} (K/M/G, binary units). */
    public Builder shmSize(String size) {
      return shmBytes(Sizes.parseMemory(size));
    }

    /**
     * Publishes container TCP port {@code containerPort} on {@code 127.0.0.1:hostPort} and on the
     * host's own address on the container's network (kernel DNAT rules, so they hold for a
     * detached container after its starter exits, and go when it is released). A host port that
     * another container publishes, or that a host process listens on, fails the start naming it.
     */
    public Builder publish(int hostPort, int containerPort) {
      addPorts(PortMapping.of(hostPort, containerPort));
      return this;
    }

    /** Publishes container TCP port {@code containerPort} on any free host port. */
    public Builder publish(int containerPort) {
      return publish(0, containerPort);
    }

    /** Memory limit, e.g. {@code "512M"} (K/M/G/T, binary units). */
    public Builder memory(String size) {
      limits = ImmutableResources.copyOf(limits).withMemoryBytes(Sizes.parseMemory(size));
      resources(limits);
      return this;
    }

    /** CPU limit in cores, e.g. 1.5. */
    public Builder cpus(double cpus) {
      limits = ImmutableResources.copyOf(limits).withCpus(cpus);
      resources(limits);
      return this;
    }

    /** CPU limit in cores as text, e.g. {@code "1.5"} (what {@code docker run --cpus} takes). */
    public Builder cpus(String cpus) {
      return cpus(Resources.parseCpus(cpus));
    }

    /** Relative CPU weight in cpu.shares units (2..262144). */
    public Builder cpuShares(long shares) {
      limits = ImmutableResources.copyOf(limits).withCpuShares(shares);
      resources(limits);
      return this;
    }

    /** Maximum number of processes and threads (unless set: {@link Resources#DEFAULT_PIDS}). */
    public Builder pids(long max) {
      limits = ImmutableResources.copyOf(limits).withPidsUnlimited(false).withPids(max);
      resources(limits);
      return this;
    }

    /** No limit on processes, not even the default {@link Resources#DEFAULT_PIDS}. */
    public Builder unlimitedPids() {
      limits = ImmutableResources.copyOf(limits).withPids(java.util.OptionalLong.empty()).withPidsUnlimited(true);
      resources(limits);
      return this;
    }

    /**
     * The spec; a value it must have and lacks is named by its builder method (".name(...)"), not
     * by Immutables' "required attributes".
     */
    @Override
    public ImmutableContainerSpec build() {
      ImmutableContainerSpec spec;
      try {
        spec = super.build();
      } catch (IllegalStateException e) {
        throw MissingValues.explain(e, "container spec", "Container.builder().name(\"web\").command(\"sh\", \"-c\", \"...\")");
      }
      if (userName != null) {
        int[] ids = UserNames.resolve(userName, spec.rootfs());
        spec = spec.withUid(ids[0]).withGid(ids[1]);
      }
      return spec;
    }

    /**
     * Runs the command as {@code user}: a name of the rootfs's {@code /etc/passwd} (looked up when
     * the spec is built, in a host or directory root), or {@code "uid"} / {@code "uid:gid"}.
     */
    public Builder user(String user) {
      this.userName = user;
      return this;
    }

    /** Adds capabilities to the default 14 (e.g. {@code Capability.NET_ADMIN}). */
    public Builder capAdd(Capability... caps) {
      addCapAdd(caps);
      return this;
    }

    /** Drops capabilities from the default 14 (all of them: {@code capDrop(Capability.values())}). */
    public Builder capDrop(Capability... caps) {
      addCapDrop(caps);
      return this;
    }

    /** Builds the spec and starts it; the container runs when this returns. */
    public Container start() {
      ContainerSpec spec = build();
      return (runtime != null ? runtime : ContainerRuntime.defaultRuntime()).start(spec);
    }
  }
}
