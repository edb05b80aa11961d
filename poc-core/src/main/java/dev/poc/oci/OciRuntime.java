package dev.poc.oci;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poc.ContainerRuntime;
import dev.poc.InvalidSpecException;
import dev.poc.NameInUseException;
import dev.poc.StartFailedException;
import dev.poc.cgroup.CgroupSetup;
import dev.poc.internal.Access;
import dev.poc.launch.Console;
import dev.poc.launch.Launcher;
import dev.poc.launch.PidHandle;
import dev.poc.launch.Release;
import dev.poc.state.NameLock;
import dev.poc.state.RunState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import dev.poc.host.Errno;
import dev.poc.host.LibC;

/**
 * The OCI lifecycle verbs over the poc runtime, one method each. Every verb but {@code create}
 * reads the {@link Record} that {@code create} left; none keeps anything in memory between calls,
 * since the engine runs each in its own process.
 */
final class OciRuntime {
  private static final int O_WRONLY = 1;
  private static final int O_NONBLOCK = 04000;
  private static final int O_CLOEXEC = 02000000;

  private final StateDir state;
  private final Consumer<String> log;

  OciRuntime(StateDir state, Consumer<String> log) {
    this.state = state;
    this.log = log;
  }

  /** {@code create}: the container at the spec's "created" point; returns the init's pid. */
  int create(String id, Path bundle, Path pidFile, Path consoleSocket) throws IOException {
    return create(id, bundle, pidFile, consoleSocket, 0, null);
  }

  int create(String id, Path bundle, Path pidFile, Path consoleSocket, dev.poc.launch.InitSpawner spawner)
      throws IOException {
    return create(id, bundle, pidFile, consoleSocket, 0, spawner);
  }

  /**
   * {@code create}, with poc-init started by {@code spawner} (the create server's caller); null: by
   * this JVM. {@code preserveFds}: fds 3 to preserveFds + 2 of the caller go to the command.
   */
  int create(String id, Path bundle, Path pidFile, Path consoleSocket, int preserveFds,
      dev.poc.launch.InitSpawner spawner) throws IOException {
    Path dir = state.dir(id);
    Path absBundle = bundle.toAbsolutePath().normalize();
    BundleConfig config = BundleConfig.read(id, absBundle);
    config.notes().forEach(log);
    Files.createDirectories(state.root());
    try {
      Files.createDirectory(dir);
    } catch (java.nio.file.FileAlreadyExistsException e) {
      throw new NameInUseException("container '" + id + "' already exists under " + state.root()
          + ": delete it first (poc-oci delete " + id + ") or pick another id");
    }
    try {
      Path fifo = state.startFifo(id);
      if (LibC.get().mkfifo(fifo.toString(), 0600) < 0) {
        throw new IOException("mkfifo " + fifo + ": " + Errno.describe(Errno.last()));
      }
      try (ContainerRuntime runtime = runtime(new CgroupSetup().placing(id, config.cgroupPlacement()), config.idMapping())) {
        Console console = consoleSocket == null ? null
            : new Console(consoleSocket, config.consoleRows(), config.consoleCols());
        int pid = new Launcher(runtime).preservingFds(preserveFds, spawner != null)
            .create(config.spec(), fifo, console, spawner);
        Record r = new Record(id, absBundle.toString(), pid, RunState.startTime(pid), Instant.now().toString(),
            config.annotations());
        try {
          if (r.pidStart() < 0) {
            throw new StartFailedException("creating container '" + id + "': its init " + pid
                + " ended before it could be recorded (its stderr has the reason)");
          }
          state.writeFront(r, FrontRelease.lines(runtime, id));
          state.write(r);
          if (pidFile != null) {
            writePidFile(pidFile, pid);
          }
        } catch (IOException | RuntimeException e) {
          // no record, no delete: undo the container here
          killAndReclaim(runtime, r);
          throw e;
        }
        return pid;
      }
    } catch (IOException | RuntimeException e) {
      Release.deleteTree(dir);
      throw e;
    }
  }

  /** {@code start}: lets the created init exec the command. */
  void start(String id) throws IOException {
    Record r = state.load(id);
    String status = state.status(r);
    if (!status.equals("created")) {
      throw new InvalidSpecException("container '" + id + "' is " + status + ", not created: only a created container can start");
    }
    Path fifo = state.startFifo(id);
    LibC.Functions libc = LibC.get();
    int fd = libc.open(fifo.toString(), O_WRONLY | O_NONBLOCK | O_CLOEXEC, 0);
    if (fd < 0) {
      // ENXIO: no reader, so the init is gone
      throw new StartFailedException("container '" + id + "' is not waiting to start (" + fifo + ": "
          + Errno.describe(Errno.last()) + "): it has stopped; delete it");
    }
    try {
      if (libc.write(fd, new byte[] {'s'}, 1) != 1) {
        throw new StartFailedException("starting container '" + id + "': writing " + fifo + ": " + Errno.describe(Errno.last()));
      }
    } finally {
      libc.close(fd);
    }
    Files.deleteIfExists(fifo);
    Hooks.ofBundle(Path.of(r.bundle())).poststart(state.state(r).toString(), log);
  }

  /** {@code pause}: freezes a running container. */
  void pause(String id) throws IOException {
    Record r = state.load(id);
    String status = state.status(r);
    if (!status.equals("running")) {
      throw new InvalidSpecException("container '" + id + "' is " + status + ", not running: only a running container can pause");
    }
    ContainerFreezer.of(id, r.pid()).freeze();
  }

  /** {@code resume}: thaws a paused container. */
  void resume(String id) throws IOException {
    Record r = state.load(id);
    String status = state.status(r);
    if (!status.equals("paused")) {
      throw new InvalidSpecException("container '" + id + "' is " + status + ", not paused: nothing to resume");
    }
    ContainerFreezer.of(id, r.pid()).thaw();
  }

  /** {@code ps}: the host pids of the container's processes. */
  List<Integer> pids(String id) throws IOException {
    Record r = state.load(id);
    if (state.status(r).equals("stopped")) {
      return List.of();
    }
    return ContainerProcesses.of(r.pid());
  }

  ObjectNode state(String id) {
    return state.state(state.load(id));
  }

  /**
   * {@code kill}: a signal to the init, which passes it on to the command (SIGKILL takes the whole
   * PID namespace). With {@code all}, to every process of the container's cgroup as well.
   */
  void kill(String id, int signal, boolean all) throws IOException {
    Record r = state.load(id);
    if (state.status(r).equals("stopped")) {
      throw new InvalidSpecException("container '" + id + "' is not running: nothing to signal");
    }
    if (all) {
      for (int pid : ContainerProcesses.of(r.pid())) {
        if (pid != r.pid()) {
          dev.poc.host.Posix.kill(pid, signal); // the pids were read from the group an instant ago
        }
      }
    }
    PidHandle init = PidHandle.ifStartedAt(r.pid(), r.pidStart()).orElseThrow(() ->
        new InvalidSpecException("container '" + id + "' is not running: nothing to signal"));
    try (init) {
      init.signal(signal);
    }
    if (signal == 9) {
      ContainerFreezer.thawIfFrozen(id, r.pid()); // a frozen process dies of SIGKILL only once thawed
    }
  }

  /** {@code delete}: kills a created (or, with force, running) container and removes everything it had. */
  void delete(String id, boolean force) throws IOException {
    var found = state.find(id);
    if (found.isEmpty()) {
      if (Files.isDirectory(state.dir(id))) {
        removeUnrecorded(id);
        return;
      }
      if (force) {
        return;
      }
      state.load(id); // the not-found error
    }
    Record r = found.get();
    String status = state.status(r);
    if ((status.equals("running") || status.equals("paused")) && !force) {
      throw new InvalidSpecException("container '" + id + "' is " + status + ": stop it first (poc-oci kill " + id
          + " KILL) or use delete --force");
    }
    try (ContainerRuntime runtime = runtime()) {
      killAndReclaim(runtime, r);
    }
    var stopped = state.state(r).put("status", "stopped");
    Hooks.ofBundle(Path.of(r.bundle())).poststop(stopped.toString(), log);
    Release.deleteTree(state.dir(id));
  }

  /**
   * A directory without a record: a create that was killed before it wrote one (its helper then
   * killed the init). Removed, with what poc's reclaim finds, unless a create holds the name now.
   */
  private void removeUnrecorded(String id) throws IOException {
    try (ContainerRuntime runtime = runtime()) {
      try (NameLock lock = NameLock.tryAcquire(id).orElseThrow(() -> new NameInUseException(
          "container '" + id + "' is being created by another process: try again once it is"))) {
        Access.api().reclaimIfDead(runtime, id, Access.api().runDir(runtime, id));
        Release.deleteTree(state.dir(id));
      }
    }
  }

  /** SIGKILLs the init if it is still the recorded one, waits for it, then undoes its host side. */
  private void killAndReclaim(ContainerRuntime runtime, Record r) throws IOException {
    PidHandle.ifStartedAt(r.pid(), r.pidStart()).ifPresent(init -> {
      try (init) {
        init.signal(9);
      }
      ContainerFreezer.thawIfFrozen(r.id(), r.pid());
    });
    awaitGone(r);
    try (NameLock lock = NameLock.tryAcquire(r.id()).orElseThrow(() -> new NameInUseException(
        "container '" + r.id() + "' is being created or deleted by another process: try again"))) {
      Access.api().reclaimIfDead(runtime, r.id(), Access.api().runDir(runtime, r.id()));
    }
  }

  List<Record> list() throws IOException {
    return state.all();
  }

  String status(Record r) {
    return state.status(r);
  }

  /** The runtime whose state root sits under --root; opening it reclaims what dead runs left. */
  private ContainerRuntime runtime() {
    return ContainerRuntime.builder().stateRoot(state.pocRoot()).build();
  }

  /**
   * As {@link #runtime()}, its cgroups put where a bundle's config says (reclaim finds them from the
   * run directory), in the config's user namespace when it asks for one.
   */
  private ContainerRuntime runtime(CgroupSetup cgroups, java.util.Optional<dev.poc.spi.IdMapping> maps) {
    ContainerRuntime.Builder b = ContainerRuntime.builder().stateRoot(state.pocRoot()).cgroups(cgroups);
    // the config's own user namespace: the others are made inside it, the root built there
    maps.ifPresent(m -> b.namespaces(new dev.poc.namespace.UserNamespaces(new dev.poc.namespace.LinuxNamespaces(), m)));
    return b.build();
  }

  private static void awaitGone(Record r) {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (r.initAlive()) {
      if (System.nanoTime() > deadline) {
        throw new StartFailedException("container '" + r.id() + "': its init " + r.pid() + " did not die within 10 s of SIGKILL");
      }
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  static void writePidFile(Path pidFile, int pid) throws IOException {
    Path tmp = pidFile.resolveSibling(pidFile.getFileName() + ".tmp");
    Files.writeString(tmp, Integer.toString(pid));
    Files.move(tmp, pidFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }
}
