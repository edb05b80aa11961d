package dev.poc.cli;

import dev.poc.Capability;
import dev.poc.Check;
import dev.poc.Container;
import dev.poc.ContainerSpec;
import dev.poc.InvalidSpecException;
import dev.poc.Network;
import dev.poc.PocException;
import dev.poc.Rootfs;
import dev.poc.Stdio;
import dev.poc.seccomp.Seccomp;
import java.util.EnumSet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code run MODE NAME CMD...} (or {@code run --network NETWORK NAME CMD...}): the seed's run, with the options users expect from Docker. */
@Command(name = "run", sortOptions = false,
    description = {"Runs CMD in container NAME and returns its exit status.",
        "The root filesystem is NAME's disk (see build), the host's programs (--host-rootfs), a directory (--rootfs) or a registry image (--image).",
        "With a terminal, CMD gets a terminal of its own (line editing, job control, Ctrl+C inside); without one, plain pipes."},
    footer = {"", "Example:", "  sudo ./poc run net-disabled test0 bash",
        "  sudo ./poc run --host-rootfs --memory 512M --publish 8080:80 net-bridge web busybox httpd -f -p 80",
        "  sudo ./poc run --detach --host-rootfs net-disabled bg sleep 1000   # then: poc ps, poc exec bg sh, poc stop bg",
        "  sudo ./poc run -d --host-rootfs -p 8080:80 net-bridge web busybox httpd -f -p 80  # 127.0.0.1:8080 until poc rm web",
        "  sudo ./poc run --image redis:7 net-bridge cache                       # pulled on first use",
        "  sudo ./poc run -d --host-rootfs --network app --alias db store sleep 1000  # after: poc network create app"})
final class RunCommand implements Callable<Integer> {
  @ParentCommand
  private Poc poc;

  @Spec
  private CommandSpec spec;

  @Parameters(index = "0..*", arity = "1..*", paramLabel = "[MODE] NAME CMD", parameterConsumer = RestOfLine.class,
      description = {"MODE: net-disabled, net-default or net-bridge; left out with --network.",
          "NAME: the container's name (and hostname).",
          "CMD: the command and its arguments (with --image: optional, replacing the image's Cmd)."})
  private List<String> words = new ArrayList<>();

  private String mode;
  private String name;
  private List<String> command = new ArrayList<>();

  @Option(names = "--network", paramLabel = "NETWORK",
      description = "Join the named network NETWORK (see poc network create) instead of giving a MODE: its members reach this one by NAME and by each --alias.")
  private String networkName;

  @Option(names = "--alias", paramLabel = "ALIAS", description = "Another name the other members of --network reach this container by.")
  private List<String> aliases = new ArrayList<>();

  @ArgGroup(exclusive = true)
  private RootfsChoice rootfs;

  static final class RootfsChoice {
    @Option(names = "--host-rootfs", description = "Use the host's programs read-only, with a private /etc, /tmp, /var, /root.")
    boolean host;

    @Option(names = "--rootfs", paramLabel = "DIR", description = "Use a prepared directory tree as the root.")
    Path directory;

    @Option(names = "--image", paramLabel = "IMAGE",
        description = "Run a registry image (e.g. busybox:1.36), pulled on first use; its Entrypoint, Cmd, Env, WorkingDir and User are the defaults.")
    String image;
  }

  @Option(names = "--upper-tmpfs", paramLabel = "SIZE",
      description = "With --image: what the container writes goes to a tmpfs of at most SIZE (e.g. 256M) in its own mount namespace, never to disk.")
  private String upperTmpfs;

  @Option(names = {"-m", "--memory"}, paramLabel = "SIZE", description = "Memory limit, e.g. 512M.")
  private String memory;

  @Option(names = "--cpus", paramLabel = "N", description = "CPU limit in cores, e.g. 1.5.")
  private Double cpus;

  @Option(names = "--pids", paramLabel = "N|unlimited",
      description = "Most processes and threads at once (default 2048; unlimited lifts it).")
  private String pids;

  @Option(names = {"-p", "--publish"}, paramLabel = "HOST:CONTAINER",
      description = "Publish a container TCP port on 127.0.0.1 and on the host's address on its network (HOST 0 or omitted: any free port); with --detach too.")
  private List<String> publish = new ArrayList<>();

  @Option(names = {"-v", "--volume"}, paramLabel = "HOST:CONTAINER[:ro]", description = "Bind a host path into the container.")
  private List<String> volumes = new ArrayList<>();

  @Mixin
  private ProcessOptions options;

  @Option(names = "--rm", description = "Remove the container when its command ends (its disk; with --detach, its log too).")
  private boolean remove;

  @Option(names = {"-d", "--detach"}, description = "Start it in the background and return; it outlives this command (its output: poc logs NAME).")
  private boolean detach;

  @Option(names = "--security-opt", paramLabel = "seccomp=FILE|unconfined",
      description = "The seccomp profile (Docker's JSON format); default: Docker's default profile.")
  private List<String> securityOpts = new ArrayList<>();

  @Option(names = "--cap-add", paramLabel = "CAP", description = "Add a capability to the default 14 (e.g. NET_ADMIN; ALL).")
  private List<String> capAdd = new ArrayList<>();

  @Option(names = "--cap-drop", paramLabel = "CAP", description = "Drop a capability of the default 14 (e.g. NET_RAW; ALL).")
  private List<String> capDrop = new ArrayList<>();

  @Option(names = "--privileged", description = {"Every capability and no seccomp filter: root in the container can then "
      + "mount, load kernel modules and reach hardware, so it is root on the host. poc still masks /proc paths and "
      + "filters devices."})
  private boolean privileged;

  /** MODE NAME CMD..., or NAME CMD... with --network. */
  private void splitWords() {
    List<String> rest = new ArrayList<>(words);
    if (networkName == null) {
      mode = rest.remove(0);
    }
    if (rest.isEmpty()) {
      throw Errors.usage(spec.commandLine(), "no container name given: write poc run " + (networkName == null
          ? "MODE NAME CMD (e.g. poc run net-disabled test0 sh)" : "--network " + networkName + " NAME CMD"));
    }
    name = rest.remove(0);
    if (name.startsWith("net-") && networkName != null) {
      throw Errors.usage(spec.commandLine(), "--network " + networkName + " takes the place of a mode: drop '" + name
          + "' (write poc run --network " + networkName + " NAME CMD)");
    }
    command = rest;
    if (!aliases.isEmpty() && networkName == null) {
      throw Errors.usage(spec.commandLine(), "--alias needs --network NETWORK: aliases are names on a named network");
    }
  }

  @Override
  public Integer call() throws Exception {
    splitWords();
    if (command.isEmpty() && (rootfs == null || rootfs.image == null)) {
      throw Errors.usage(spec.commandLine(), "no command given: write it after NAME (e.g. poc run net-disabled " + name
          + " sh), or run an image's own with --image IMAGE");
    }
    Network network = networkName != null ? Errors.badSpecIsUsage(spec.commandLine(), () -> Network.named(networkName))
        : Words.network(spec.commandLine(), mode);
    Check ready = network.check(); // before anything is made: a missing tool is one line naming its package
    if (!ready.ok()) {
      throw new PocException(ready.name() + " " + ready.problem());
    }
    List<int[]> ports = publish.stream().map(p -> Words.publish(spec.commandLine(), p)).toList();
    if (network == Network.DISABLED && !ports.isEmpty()) {
      throw Errors.usage(spec.commandLine(), "--publish needs a network and " + mode + " has none: write net-bridge"
          + " (or net-default) instead of " + mode);
    }
    ContainerSpec.Builder b = poc.runtime().container().name(name).command(command).network(network)
        .addAllNetworkAliases(aliases).rootfs(rootfs());
    Words.limits(spec.commandLine(), b, memory, cpus, pids);
    ports.forEach(p -> b.publish(p[0], p[1]));
    options.env(spec.commandLine()).forEach(b::putEnv);
    for (String v : volumes) {
      Words.Volume vol = Words.volume(spec.commandLine(), v);
      b.bind(vol.source(), vol.destination(), vol.readOnly());
    }
    if (options.workdir() != null) {
      b.cwd(options.workdir());
    }
    b.privileged(privileged);
    b.capAdd(capabilities(capAdd)).capDrop(capabilities(capDrop));
    for (String opt : securityOpts) {
      b.seccomp(seccomp(opt));
    }
    int[] ug = options.user(spec.commandLine());
    if (ug != null) {
      b.user(ug[0], ug[1]);
    }
    if (detach) {
      // its output goes to its log (Stdio.LOG, the default): `poc logs NAME`, until `poc rm NAME`
      b.detached(true).stdin(Stdio.DISCARD).autoRemove(remove);
    } else {
      b.stdin(Stdio.INHERIT).stdout(Stdio.INHERIT).stderr(Stdio.INHERIT).tty(options.tty());
    }
    Container c = start(b);
    announcePickedPorts(c, ports);
    if (detach) {
      System.out.println(c.name()); // its published ports stay (kernel rules) until poc stop or poc rm
      return 0;
    }
    int code = ContainerEnd.await(c);
    if (remove && rootfs == null) {
      poc.runtime().remove(name, false); // --rm: its disk goes with it (host and directory roots leave nothing)
    }
    return code;
  }

  /** Ports published on "any free port" are only known now: say which (explicit ones the user knows). */
  private void announcePickedPorts(Container c, List<int[]> ports) {
    for (int[] p : ports) {
      if (p[0] == 0) {
        System.err.println("poc: published 127.0.0.1:" + c.hostPort(p[1]) + " -> " + name + ":" + p[1]);
      }
    }
  }

  private Capability[] capabilities(List<String> names) {
    EnumSet<Capability> caps = EnumSet.noneOf(Capability.class);
    for (String n : names) {
      if (n.equalsIgnoreCase("ALL")) {
        caps.addAll(EnumSet.allOf(Capability.class));
      } else {
        try {
          caps.add(Capability.parse(n));
        } catch (InvalidSpecException e) {
          throw Errors.usage(spec.commandLine(), e.getMessage());
        }
      }
    }
    return caps.toArray(new Capability[0]);
  }

  /** {@code seccomp=FILE} or {@code seccomp=unconfined}, as Docker writes it (also {@code seccomp:FILE}). */
  private Seccomp seccomp(String opt) {
    int sep = opt.indexOf('=') > 0 ? opt.indexOf('=') : opt.indexOf(':');
    String key = sep > 0 ? opt.substring(0, sep) : opt;
    if (!key.equals("seccomp") || sep == opt.length() - 1) {
      throw Errors.usage(spec.commandLine(), "--security-opt " + opt + " is not one poc knows: write "
          + "--security-opt seccomp=PROFILE.json or --security-opt seccomp=unconfined");
    }
    String value = opt.substring(sep + 1);
    if (value.equals("unconfined")) {
      return Seccomp.unconfined();
    }
    try {
      return Seccomp.fromJson(Path.of(value));
    } catch (InvalidSpecException e) {
      throw Errors.usage(spec.commandLine(), e.getMessage());
    }
  }

  private Rootfs rootfs() {
    if (upperTmpfs != null && (rootfs == null || rootfs.image == null)) {
      throw Errors.usage(spec.commandLine(), "--upper-tmpfs " + upperTmpfs + " needs --image IMAGE: only an image's root has an upper layer to put on a tmpfs");
    }
    if (rootfs != null && rootfs.host) {
      return Rootfs.host();
    }
    if (rootfs != null && rootfs.directory != null) {
      return Rootfs.directory(rootfs.directory);
    }
    if (rootfs != null && rootfs.image != null) {
      try {
        return upperTmpfs != null ? Rootfs.image(rootfs.image).upperOnTmpfs(upperTmpfs) : Rootfs.image(rootfs.image);
      } catch (InvalidSpecException e) {
        throw Errors.usage(spec.commandLine(), e.getMessage());
      }
    }
    return Rootfs.disk(name);
  }

  private Container start(ContainerSpec.Builder b) {
    return Errors.badSpecIsUsage(spec.commandLine(), b::start);
  }
}
