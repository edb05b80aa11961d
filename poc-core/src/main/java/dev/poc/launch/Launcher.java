package dev.poc.launch;

import dev.poc.host.Directories;
import dev.poc.internal.Access;
import dev.poc.Capability;
import dev.poc.BindMount;
import dev.poc.CommandNotFoundException;
import dev.poc.Container;
import dev.poc.ContainerRuntime;
import dev.poc.ContainerSpec;
import dev.poc.FileCopy;
import dev.poc.InvalidSpecException;
import dev.poc.NameInUseException;
import dev.poc.PocException;
import dev.poc.StartFailedException;
import dev.poc.Stdio;
import dev.poc.host.RootFiles;
import dev.poc.spi.Attachment;
import dev.poc.spi.CgroupStrategy;
import dev.poc.spi.HostSetup;
import dev.poc.seccomp.bpf.SeccompPrograms;
import dev.poc.spi.NetworkFacts;
import dev.poc.state.NameLock;
import dev.poc.state.OutputLog;
import dev.poc.state.RunState;
import dev.poc.state.RunStateWrite;
import dev.poc.storage.EtcFiles;
import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts one container: reserve the name, let each host setup prepare, plan the inside, spawn
 * poc-init, attach the host side while the init builds its root (its groups and limits, then JOIN;
 * the network), say GO, and wait until the command is exec'd. Any failure undoes every step
 * already taken, in reverse.
 */
public final class Launcher {
  private static final Logger LOG = LoggerFactory.getLogger(Launcher.class);
  public static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private final ContainerRuntime runtime;
  private final int preservedFds;
  private final long preservedFrom;

  public Launcher(ContainerRuntime runtime) {
    this(runtime, 0, 0);
  }

  private Launcher(ContainerRuntime runtime, int preservedFds, long preservedFrom) {
    this.runtime = runtime;
    this.preservedFds = preservedFds;
    this.preservedFrom = preservedFrom;
  }

  /**
   * This launcher, passing fds 3 to {@code count + 2} to the container's command (OCI's
   * --preserve-fds): this JVM's own ({@code spawned} false: poc-init takes them by pidfd_getfd),
   * or those the {@link InitSpawner}'s caller gave poc-init ({@code spawned} true).
   */
  public Launcher preservingFds(int count, boolean spawned) {
    return new Launcher(runtime, count, spawned ? 0 : ProcessHandle.current().pid());
  }

  public Container start(ContainerSpec spec) {
    return (Container) launch(spec, null, null, null);
  }

  /**
   * {@link #start(ContainerSpec)}, with poc-init started by {@code spawner} in another process (a
   * native front's, whose stdio the container gets and which reaps the helper).
   */
  public Container start(ContainerSpec spec, InitSpawner spawner) {
    return (Container) launch(spec, null, null, spawner);
  }

  /**
   * OCI's {@code create}: builds the container up to the point where only its command's exec is
   * left, then lets go of it. The init waits on {@code startFifo} (which must exist, a FIFO) until
   * {@code start} writes to it; poc-init has left, so the init is adopted by the nearest subreaper
   * (containerd's shim) or PID 1. The run state records it as detached; its host side (cgroups and
   * the rest) is undone by the runtime's reclaim once the init is gone.
   *
   * @param console with a terminal ({@code spec.tty()}), where its pty master goes; null: none
   * @return the host pid of the container's init
   */
  public int create(ContainerSpec spec, Path startFifo, Console console) {
    return create(spec, startFifo, console, null);
  }

  /**
   * {@link #create(ContainerSpec, Path, Console)}, with poc-init started by {@code spawner} in
   * another process (the OCI create server's caller), which also reaps it; null: by this JVM.
   */
  public int create(ContainerSpec spec, Path startFifo, Console console, InitSpawner spawner) {
    if (console != null && !spec.tty()) {
      throw new InvalidSpecException("a console socket (" + console.socket() + ") was given, but the process has no "
          + "terminal: set process.terminal to true, or drop --console-socket");
    }
    if (console == null && spec.tty()) {
      throw new InvalidSpecException("process.terminal is true, so the pty master needs somewhere to go: "
          + "give --console-socket (containerd's shim and podman do), or set terminal to false");
    }
    return (Integer) launch(spec, startFifo, console, spawner);
  }

  /** Starts {@code given}: a {@link Container}, or with a start FIFO the created init's pid. */
  private Object launch(ContainerSpec given, Path startFifo, Console console, InitSpawner spawner) {
    long t0 = System.nanoTime();
    StartProfile.mark(given.name(), "start() called");
    ContainerSpec spec;
    try {
      spec = given.rootfs().strategy().complete(given, runtime);
    } catch (IOException e) {
      throw new StartFailedException("preparing the root of container '" + given.name() + "' (" + given.rootfs() + ") failed: "
          + e.getMessage(), e);
    }
    String name = spec.name();
    NameLock lock;
    try {
      lock = NameLock.tryAcquire(name).orElseThrow(() -> new NameInUseException(
          "container '" + name + "' is already running: stop it first (poc stop " + name + ") or pick another name"));
    } catch (IOException e) {
      throw new StartFailedException("locking name '" + name + "' in " + NameLock.DIR + ": " + e.getMessage(), e);
    }
    StartProfile.mark(name, "name locked");
    Path runDir = Access.api().runDir(runtime, name);
    List<Attachment> attachments = new ArrayList<>();
    Process helper = null;
    InitConnection conn = null;
    PidHandle init = null;
    RunStateWrite stateWrite = null;
    boolean runDirIsOurs = false; // a detached run of this name keeps its own
    try {
      Access.api().reclaimIfDead(runtime, name, runDir);
      if (Files.exists(runDir)) {
        throw new NameInUseException("container '" + name + "' is still running detached: stop it first (poc stop " + name + ")");
      }
      Directories.ensure(runDir.getParent());
      Files.createDirectory(runDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      runDirIsOurs = true;
      StartProfile.mark(name, "run dir made");
      InitPlan plan = new InitPlan();
      Start ctx = new Start(spec, runtime, runDir, plan);
      for (HostSetup setup : Access.api().setupsFor(runtime, spec)) {
        Attachment a = setup.prepare(ctx);
        attachments.add(a);
        if (a instanceof CgroupStrategy.Group group) {
          ctx.publish(CgroupStrategy.Group.class, group);
        }
      }
      StartProfile.mark(name, "host setups prepared");
      attachments.add(spec.rootfs().strategy().prepare(ctx));
      if (spec.rootfs().strategy().bindsEtcFiles()) {
        EtcFiles.bindNetworkFiles(ctx);
      }
      planMounts(spec, plan);
      planProcess(spec, plan);
      planLog(spec, plan);
      if (startFifo != null) {
        plan.startFifo(startFifo);
        // the init holds the name for as long as it lives: no reclaim or prune takes it meanwhile
        plan.lockFrom(ProcessHandle.current().pid(), lock.fd());
      }
      if (console != null) {
        console.addTo(plan);
      }
      if (preservedFds > 0) {
        plan.preserveFds(preservedFds, preservedFrom);
      }
      boolean profiled = StartProfile.on() && startFifo == null;
      if (profiled) {
        plan.times();
      }
      long tPrepared = System.nanoTime();
      StartProfile.mark(name, "planned");

      SpareHelpers.Helper h = spawner == null
          ? Access.api().spareHelpers(runtime).take(spec.stdin(), spec.stdout(), spec.stderr())
          : SpareHelpers.adopt(spawner);
      helper = h.process();
      conn = h.connection();
      long tSpawned = System.nanoTime();
      long tConnected = tSpawned;
      StartProfile.mark(name, "helper taken");
      if (profiled) {
        conn.profileAs(name);
      }
      conn.send(plan.encode());
      int initPid = expectPid(conn, spec);
      // Before GO the init cannot have exited, let alone been reaped: this pidfd is surely its own.
      init = PidHandle.of(initPid);
      long tCloned = System.nanoTime();
      StartProfile.mark(name, "PID read");
      attachToInit(attachments, initPid, conn, spec, plan.joinsLater());
      copyFiles(conn, spec, initPid);
      StartProfile.mark(name, "host side attached");
      if (startFifo == null) {
        // the init's start time is read now: a short command's init may be gone by EXEC
        stateWrite = RunStateWrite.start(runDir, runState(spec, ctx, helper, initPid));
      }
      conn.send("GO\n".getBytes());
      if (startFifo != null) {
        awaitLine(conn, spec, "CREATED");
        helper.waitFor(); // gone before we return: the init is the reaper's child by then
        RunState.write(runDir, runState(spec, ctx, helper, initPid));
        conn.close();
        lock.handOver();
        return initPid;
      }
      awaitLine(conn, spec, "EXEC");
      long tExec = System.nanoTime();
      StartProfile.mark(name, "EXEC read");
      stateWrite.await(); // another process (ps, stop, exec) finds the container once start() returns
      Container c = Access.api().newContainer(spec, runtime, ctx, helper, conn, init, lock, attachments);
      StartProfile.mark(name, "start() returns");
      if (LOG.isDebugEnabled()) {
        long tDone = System.nanoTime();
        LOG.debug("started {} on {}: prepare {} us, spawn+clone {} us (spawn {}, connect {}, clone {}), exec {} us, record {} us, total {} us",
            name, spec.rootfs(), (tPrepared - t0) / 1000, (tCloned - tPrepared) / 1000, (tSpawned - tPrepared) / 1000,
            (tConnected - tSpawned) / 1000, (tCloned - tConnected) / 1000, (tExec - tCloned) / 1000,
            (tDone - tExec) / 1000, (tDone - t0) / 1000);
      }
      return c;
    } catch (IOException | RuntimeException | InterruptedException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      if (init != null) {
        if (startFifo != null) {
          init.signal(9); // adopted elsewhere once the helper is gone: it would not die with it
        }
        init.close();
      }
      if (helper != null) {
        helper.destroyForcibly();
        try {
          helper.waitFor();
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
        }
      }
      if (conn != null) {
        conn.close();
      }
      if (stateWrite != null) {
        stateWrite.awaitQuietly();
      }
      Release.all(attachments);
      if (runDirIsOurs) {
        Release.deleteTree(runDir);
      }
      lock.close();
      if (e instanceof PocException pe) {
        throw pe;
      }
      throw new StartFailedException("starting container '" + name + "' failed: " + e, e);
    }
  }

  /** What another process (ps, stop, exec, a reclaim) reads back about the container: see {@link RunState}. */
  private static Map<String, Object> runState(ContainerSpec spec, Start ctx, Process helper, int initPid) {
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("name", spec.name());
    state.put("helperPid", (int) helper.pid());
    state.put("helperStart", RunState.startTime((int) helper.pid()));
    state.put("initPid", initPid);
    state.put("initStart", RunState.startTime(initPid));
    state.put("hostname", spec.hostname());
    state.put("detached", spec.detached());
    state.put("autoRemove", spec.autoRemove());
    state.put("created", System.currentTimeMillis());
    state.put("rootfs", spec.rootfs().toString());
    state.put("network", spec.network().cliName());
    if (!spec.labels().isEmpty()) {
      state.put("labels", spec.labels());
    }
    // what a command exec'd from another process gets: the same capabilities and filter
    state.put("capabilities", Capability.mask(spec.capabilities()));
    SeccompPrograms.hex(spec).ifPresent(hex -> state.put("seccomp", hex));
    NetworkFacts net = ctx.fact(NetworkFacts.class);
    if (net != null && net.address().isPresent()) {
      state.put("address", net.address().get());
    }
    if (net != null && !net.hostPorts().isEmpty()) { // what another process (a reusing harness, ps) reads back
      Map<String, Object> ports = new LinkedHashMap<>();
      net.hostPorts().forEach((container, host) -> ports.put(String.valueOf(container), host));
      state.put("ports", ports);
    }
    return state;
  }

  private static void planMounts(ContainerSpec spec, InitPlan plan) {
    for (BindMount m : spec.mounts()) {
      if (!Files.exists(m.source())) {
        throw new InvalidSpecException("bind source " + m.source() + " does not exist: create it or fix the path");
      }
      plan.bind(m.source().toAbsolutePath(), m.destination(), m.readOnly() ? "ro" : "");
    }
    spec.tmpfs().forEach((path, options) -> plan.tmpfs(path, options.isEmpty() ? "mode=1777" : options));
    plan.shmSize(spec.shmBytes());
  }

  private static void planProcess(ContainerSpec spec, InitPlan plan) {
    plan.hostname(spec.hostname());
    Map<String, String> env = baseEnv(spec.hostname(), spec.uid(), spec.tty());
    env.putAll(spec.env());
    env.forEach(plan::env);
    spec.args().forEach(plan::arg);
    plan.cwd(spec.cwd());
    plan.user(spec.uid(), spec.gid(), spec.additionalGids());
    plan.tty(spec.tty());
    plan.detach(spec.detached());
    plan.capabilities(Capability.mask(spec.capabilities()));
    plan.seccomp(SeccompPrograms.hex(spec));
    if (spec.seccomp().equals(dev.poc.seccomp.Seccomp.dockerDefault())) {
      plan.seccompEarly();
    }
  }

  /** A fresh log for the streams that go to it; poc-init opens and writes it. */
  private void planLog(ContainerSpec spec, InitPlan plan) throws IOException {
    int streams = (spec.stdout() == Stdio.LOG ? 1 : 0) | (spec.stderr() == Stdio.LOG ? 2 : 0);
    if (streams == 0) {
      return;
    }
    OutputLog log = new OutputLog(runtime.stateRoot(), spec.name());
    log.prepare();
    plan.log(log.file(), spec.logMaxBytes(), streams);
  }

  /** The environment every command starts with, before the spec's own variables. */
  static Map<String, String> baseEnv(String hostname, int uid, boolean tty) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", DEFAULT_PATH);
    env.put("HOSTNAME", hostname);
    env.put("HOME", uid == 0 ? "/root" : "/");
    if (tty) {
      env.put("TERM", System.getenv().getOrDefault("TERM", "xterm"));
    }
    return env;
  }

  /** Starts poc-init on {@code socket}; {@code mode} comes first (e.g. "exec"). */
  static Process spawn(Path socket, Stdio in, Stdio out, Stdio err, String... mode) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(InitBinary.path().toString());
    cmd.addAll(List.of(mode));
    cmd.add(socket.toString());
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().clear();
    InitBinary.sharedImage().ifPresent(image -> pb.environment().put(InitBinary.IMAGE_ENV, image));
    pb.redirectInput(redirectIn(in));
    pb.redirectOutput(redirectOut(out));
    pb.redirectError(redirectOut(err));
    return pb.start();
  }

  private static Redirect redirectIn(Stdio s) {
    return switch (s) {
      case PIPE -> Redirect.PIPE;
      case INHERIT -> Redirect.INHERIT;
      case DISCARD -> Redirect.from(new File("/dev/null"));
      case LOG -> throw new IllegalArgumentException("stdin cannot be Stdio.LOG");
    };
  }

  private static Redirect redirectOut(Stdio s) {
    return switch (s) {
      case PIPE -> Redirect.PIPE;
      case INHERIT -> Redirect.INHERIT;
      case DISCARD, LOG -> Redirect.DISCARD; // LOG: poc-init makes a pipe of its own and writes the log
    };
  }

  /**
   * The host side of each setup, on the init that now exists, while it builds its root. When one
   * fails because the init has already died (its root could not be built, say), the init's own
   * report is the error to give, not the setup's complaint that the process is gone.
   *
   * <p>{@code join}: the init waits for JOIN before it enters the groups made here
   * ({@link dev.poc.spi.HelperPlan#cgroupJoinLater}); it goes as soon as the cgroup strategy's
   * attachment is done, so that the network's, after it, does not keep the init waiting, and at the
   * latest after every attachment.
   */
  private static void attachToInit(List<Attachment> attachments, int initPid, InitConnection conn, ContainerSpec spec,
      boolean join) throws IOException {
    try {
      boolean joinSent = !join;
      for (Attachment a : attachments) {
        a.onCreated(initPid);
        if (!joinSent && a instanceof CgroupStrategy.Group) {
          joinSent = sendJoin(conn, spec);
        }
      }
      if (!joinSent) {
        sendJoin(conn, spec);
      }
    } catch (IOException | RuntimeException e) {
      if (!endsSoon(initPid)) {
        throw e;
      }
      // Ended before GO: its ERR line, then the helper's DIED line, are on their way.
      PocException why = failure(conn.readLine(), spec);
      why.addSuppressed(e);
      throw why;
    }
  }

  private static boolean sendJoin(InitConnection conn, ContainerSpec spec) throws IOException {
    StartProfile.mark(spec.name(), "host groups made");
    conn.send("JOIN\n".getBytes());
    return true;
  }

  /**
   * Whether the init has ended or is ending: a process on its way out loses its /proc/PID/ns links
   * before it becomes a zombie, so a setup can fail on it a moment before it is seen to be gone.
   */
  private static boolean endsSoon(int initPid) {
    long deadline = System.nanoTime() + 500_000_000L;
    while (RunState.startTime(initPid) >= 0) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  /**
   * The spec's copies, once the init has built and entered the root (READY) and before the command
   * exists: written through the init's root, resolved inside it.
   */
  private static void copyFiles(InitConnection conn, ContainerSpec spec, int initPid) throws IOException {
    if (spec.copies().isEmpty()) {
      return;
    }
    String line = conn.readLine();
    if (!"READY".equals(line)) {
      throw failure(line, spec);
    }
    try (RootFiles root = RootFiles.ofProcess(initPid, "container '" + spec.name() + "'")) {
      for (FileCopy copy : spec.copies()) {
        if (copy.source().isPresent()) {
          root.copyIn(copy.source().get(), copy.destination());
        } else {
          root.write(new java.io.ByteArrayInputStream(copy.content().orElseThrow()), copy.mode(), copy.destination());
        }
      }
    } catch (IOException e) {
      throw new StartFailedException("starting container '" + spec.name() + "': copying a file in failed: "
          + e.getMessage() + " (a read-only part of the root, such as the host rootfs's /usr, takes no files)", e);
    }
  }

  private static int expectPid(InitConnection conn, ContainerSpec spec) throws IOException {
    String line = conn.readLine();
    if (line != null && line.startsWith("PID ")) {
      return Integer.parseInt(line.substring(4).trim());
    }
    throw failure(line, spec);
  }

  /** Reads the helper's lines up to {@code expected} (EXEC, or CREATED for OCI), skipping READY. */
  private static void awaitLine(InitConnection conn, ContainerSpec spec, String expected) throws IOException {
    for (;;) {
      String line = conn.readLine();
      if (line == null || !line.equals("READY")) {
        if (expected.equals(line)) {
          return;
        }
        throw failure(line, spec);
      }
    }
  }

  /** Turns the helper's report of a failed step into the exception a user can act on. */
  static PocException failure(String line, ContainerSpec spec) {
    return failure(line, "starting container '" + spec.name() + "'", spec.args(),
        "in the rootfs (" + spec.rootfs() + ")", spec.env().getOrDefault("PATH", DEFAULT_PATH));
  }

  /** {@code what}: e.g. "starting container 'x'"; {@code where}: where the command was looked for. */
  static PocException failure(String line, String what, java.util.List<String> args, String where, String path) {
    if (line == null) {
      return new StartFailedException(what + ": poc-init ended without a report");
    }
    if (line.startsWith("EXECFAIL ")) {
      String[] f = line.split(" ", 3);
      int errno = Integer.parseInt(f[1]);
      String cmd = args.get(0);
      String found = f.length > 2 ? f[2] : cmd;
      return switch (errno) {
        case 2 -> new CommandNotFoundException("command '" + cmd + "' not found " + where
            + (cmd.contains("/") ? "" : " on PATH " + path)
            + ": install it in the image or give its full path");
        case 13 -> new CommandNotFoundException("command '" + found + "' is not executable " + where
            + " (permission denied): chmod +x it or run it through a shell", true);
        case 8 -> new CommandNotFoundException("command '" + found + "' " + where
            + " is not a program this kernel can run (exec format error): check its architecture or #! line", true);
        default -> new StartFailedException("executing '" + found + "' " + where + " failed with errno " + errno);
      };
    }
    if (line.startsWith("ERR ")) {
      return new StartFailedException(what + " failed at " + line.substring(4));
    }
    if (line.startsWith("EXIT ") || line.startsWith("DIED ")) {
      return new StartFailedException(what + ": the container init ended early (" + line + ")");
    }
    return new StartFailedException(what + ": unexpected report from poc-init: " + line);
  }
}
