package dev.poc;

import dev.poc.cgroup.CgroupAttachment;
import dev.poc.host.RootFiles;
import dev.poc.launch.ExecLauncher;
import dev.poc.launch.ExitFuture;
import dev.poc.launch.InitConnection;
import dev.poc.launch.PidHandle;
import dev.poc.launch.Release;
import dev.poc.network.NetworkAttachment;
import dev.poc.spi.Attachment;
import dev.poc.spi.CgroupStrategy;
import dev.poc.spi.NetworkFacts;
import dev.poc.spi.StartContext;
import dev.poc.state.NameLock;
import dev.poc.state.OutputLog;
import dev.poc.state.RunDirDisposal;
import dev.poc.state.OutputLogStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running (or ended) container. Closing it stops the command (SIGTERM, then SIGKILL after the
 * spec's stop timeout) and releases everything the container held on the host. One piece is
 * released in the background: a DEFAULT or BRIDGE container's veth is deleted (and only then its
 * address freed for another container) by its runtime shortly after, because the kernel takes
 * longer to delete it than the rest of a start takes; {@link ContainerRuntime#close()} waits for
 * those deletions, and a new start of the same name finishes its own first. Likewise, once the
 * command ended, {@link #waitFor()} returns before the container's cgroup (and, without a
 * network, its netns name) is removed: the container's name stays locked until that is done in
 * the background, a new start of the name in this JVM finishes it first, and {@link #stop},
 * {@link #close()} and {@link ContainerRuntime#close()} return only once it is done.
 *
 * <pre>{@code
 * try (Container c = Container.builder().name("test0").command("sh", "-c", "hostname").start()) {
 *   int exit = c.waitFor();
 * }
 * }</pre>
 */
public final class Container implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Container.class);

  private final ContainerSpec spec;
  private final ContainerRuntime runtime;
  private final StartContext ctx;
  private final Process helper;
  private final InitConnection conn;
  private final PidHandle init;
  private final NameLock lock;
  /** The background part of the release (see {@link #release}); set before the exit status is. */
  private volatile RunDirDisposal.Pending hostRelease = () -> {};
  private final List<Attachment> attachments;
  private final ExitFuture exit = new ExitFuture();
  private final OutputLog log;
  private final java.util.Map<OutputFrame.Type, InputStream> logStreams = new java.util.EnumMap<>(OutputFrame.Type.class);

  Container(ContainerSpec spec, ContainerRuntime runtime, StartContext ctx, Process helper, InitConnection conn,
      PidHandle init, NameLock lock, List<Attachment> attachments) {
    this.spec = spec;
    this.runtime = runtime;
    this.ctx = ctx;
    this.helper = helper;
    this.conn = conn;
    this.init = init;
    this.lock = lock;
    this.attachments = attachments;
    this.log = new OutputLog(runtime.stateRoot(), spec.name());
    runtime.register(this);
    Thread waiter = new Thread(this::awaitExit, "poc-wait-" + spec.name());
    waiter.setDaemon(true);
    waiter.start();
  }

  /** A builder of a container on the default runtime (state in {@code /var/lib/poc_container}). */
  public static ContainerSpec.Builder builder() {
    return new ContainerSpec.Builder();
  }

  /** The container's name. */
  public String name() {
    return spec.name();
  }

  /** The spec it was started from. */
  public ContainerSpec spec() {
    return spec;
  }

  /** The host pid of the container's init (PID 1 inside; the command is its child). */
  public int pid() {
    return init.pid();
  }

  /** The command's stdin, when the spec's stdin is {@link Stdio#PIPE}. */
  public OutputStream stdin() {
    return helper.getOutputStream();
  }

  /**
   * The command's stdout. With {@link Stdio#LOG} (the default), a stream that reads the log from
   * its start and follows it until the container has ended and all is read; with
   * {@link Stdio#PIPE}, the pipe. Either way every call gives the same stream, read on from where
   * the last read stopped (for the whole log again, use {@link #logs()}).
   */
  public InputStream stdout() {
    return spec.stdout() == Stdio.LOG ? logStream(OutputFrame.Type.STDOUT) : helper.getInputStream();
  }

  /** The command's stderr, as {@link #stdout()}. */
  public InputStream stderr() {
    return spec.stderr() == Stdio.LOG ? logStream(OutputFrame.Type.STDERR) : helper.getErrorStream();
  }

  private synchronized InputStream logStream(OutputFrame.Type type) {
    return logStreams.computeIfAbsent(type, t -> {
      try {
        return new OutputLogStream(log, t, exit::isDone);
      } catch (IOException e) {
        throw new PocException("reading the log of container '" + name() + "': " + e.getMessage(), e);
      }
    });
  }

  /**
   * Everything the container has written to its log so far (stdout and stderr as they were
   * interleaved), as text: complete once it has ended. See {@link Stdio#LOG}.
   */
  public String logs() {
    return logs(0).text();
  }

  /** The log from offset {@code since} on (0: all there is); go on from its {@link LogSnapshot#nextOffset()}. */
  public LogSnapshot logs(long since) {
    requireLog();
    return log.read(since);
  }

  /**
   * Hands each piece of output, from the start of the log, to {@code consumer} on a thread of its
   * own, until the container has ended and all is handed over; the future completes then
   * (cancel it to stop following). Testcontainers' {@code followOutput}.
   */
  public java.util.concurrent.CompletableFuture<Optional<ExitStatus>> followOutput(
      java.util.function.Consumer<OutputFrame> consumer) {
    return followOutput(consumer, 0);
  }

  /** As {@link #followOutput(java.util.function.Consumer)}, from offset {@code since}. */
  public java.util.concurrent.CompletableFuture<Optional<ExitStatus>> followOutput(
      java.util.function.Consumer<OutputFrame> consumer, long since) {
    requireLog();
    return log.follow(since, consumer, exit::isDone, "poc-follow-" + name());
  }

  private void requireLog() {
    if (spec.stdout() != Stdio.LOG && spec.stderr() != Stdio.LOG) {
      throw new IllegalStateException("container '" + name() + "' has no log: its stdout and stderr are "
          + spec.stdout() + " and " + spec.stderr() + "; leave them at Stdio.LOG (the default) to keep its output");
    }
  }

  /** The container's IPv4 address, when its network is DEFAULT or BRIDGE. */
  public Optional<String> address() {
    NetworkFacts net = ctx.fact(NetworkFacts.class);
    return net == null ? Optional.empty() : net.address();
  }

  /** The host port (on 127.0.0.1) that container port {@code containerPort} is published on. */
  public int hostPort(int containerPort) {
    NetworkFacts net = ctx.fact(NetworkFacts.class);
    Integer port = net == null ? null : net.hostPorts().get(containerPort);
    if (port == null) {
      throw new InvalidSpecException("container port " + containerPort + " of '" + name()
          + "' is not published: add .publish(" + containerPort + ") to its spec");
    }
    return port;
  }

  /**
   * The container's resource figures from its cgroup: current while it runs, the last ones read
   * before its cgroup was removed once it ended.
   */
  public ContainerStats stats() {
    CgroupStrategy.Group cgroup = ctx.fact(CgroupStrategy.Group.class);
    if (cgroup == null) {
      throw new IllegalStateException("container '" + name() + "' has no cgroup to read figures from");
    }
    return cgroup.stats();
  }

  /**
   * Copies a host file or directory (recursively, with modes) to {@code destination} inside the
   * running container, resolved in its root as it sees it (a symlink never leads out of it).
   */
  public void copyToContainer(java.nio.file.Path source, String destination) {
    withRoot("copying " + source + " to " + destination, root -> root.copyIn(source, destination), true);
  }

  /** Writes {@code content} as the file {@code destination} (with {@code mode}, e.g. 0644) inside the running container. */
  public void copyToContainer(byte[] content, int mode, String destination) {
    withRoot("writing " + destination,
        root -> root.write(new java.io.ByteArrayInputStream(content), mode, destination), true);
  }

  /**
   * Copies {@code source} inside (a file, a symlink as a symlink, or a directory tree) to
   * {@code destination} on the host, from a running container, or from an ended one whose root
   * outlives it (a {@link Rootfs#directory(java.nio.file.Path)}). Testcontainers' copyFileFromContainer.
   */
  public void copyFromContainer(String source, java.nio.file.Path destination) {
    withRoot("copying " + source + " out to " + destination, root -> root.copyOut(source, destination), false);
  }

  private interface RootAction {
    void run(RootFiles root) throws IOException;
  }

  private void withRoot(String what, RootAction action, boolean mustRun) {
    RootFiles root;
    try {
      if (isRunning()) {
        root = RootFiles.ofProcess(init.pid(), "container '" + name() + "'");
      } else if (!mustRun && spec.rootfs().strategy() instanceof dev.poc.storage.DirectoryRootfs dir) {
        root = RootFiles.of(dir.path(), "the root of ended container '" + name() + "'");
      } else {
        throw new IllegalStateException("container '" + name() + "' has ended: " + what + " needs it running"
            + (mustRun ? "; copy files in before it starts with .copyToContainer(...) on its builder"
                : " (only a Rootfs.directory root outlives its container)"));
      }
    } catch (IOException e) {
      throw new PocException(what + " in container '" + name() + "' failed: " + e.getMessage(), e);
    }
    try (root) {
      action.run(root);
    } catch (IOException e) {
      throw new PocException(what + " in container '" + name() + "' failed: " + e.getMessage(), e);
    }
  }

  /** Runs {@code command} inside this container, with pipes for its streams. */
  public ContainerProcess exec(String... command) {
    return exec(ExecSpec.of(command));
  }

  /** Runs a command inside this container (its namespaces and cgroups, its dropped privileges). */
  public ContainerProcess exec(ExecSpec spec) {
    if (!isRunning()) {
      throw new IllegalStateException("container '" + name() + "' has ended (" + exit.join() + "): exec needs a running container");
    }
    return ExecLauncher.start(name(), init.pid(), this.spec.hostname(), Capability.mask(this.spec.capabilities()),
        dev.poc.seccomp.bpf.SeccompPrograms.hex(this.spec), spec, runtime::helperExiting);
  }

  /** Whether the command is still running. */
  public boolean isRunning() {
    return !exit.isDone();
  }

  /**
   * Waits until the command has ended and its final figures are read; returns its exit code. What
   * it held on the host is released, or being released in the background (its cgroup, its veth,
   * its netns name, see above).
   */
  public int waitFor() throws InterruptedException {
    return awaitStatus().code();
  }

  /** Waits up to {@code timeout}; true when the command ended (and was released) in time. */
  public boolean waitFor(Duration timeout) throws InterruptedException {
    return exit.await(timeout);
  }

  /** The exit code (128 + n for signal n); the container must have ended. */
  public int exitCode() {
    return exitStatus().code();
  }

  /** How the command ended; the container must have ended. */
  public ExitStatus exitStatus() {
    return exit.ended("container '" + name() + "'");
  }

  /** Sends a signal to the command (through the container's init, which forwards it). */
  public void kill(Signal signal) {
    if (exit.isDone()) {
      return;
    }
    init.signal(signal.number());
  }

  /** Sends the spec's stop signal (SIGTERM unless set), waits up to {@code grace}, then SIGKILL; returns once everything is released. */
  public void stop(Duration grace) {
    if (!exit.isDone()) {
      kill(spec().stopSignal());
      try {
        if (!waitFor(grace)) {
          LOG.debug("{} did not stop within {}: SIGKILL", name(), grace);
          init.signal(Signal.KILL.number()); // PID 1 of its namespace: all its processes die
        }
      } catch (InterruptedException e) {
        init.signal(Signal.KILL.number());
        Thread.currentThread().interrupt();
      }
    }
    awaitStatusUninterruptibly();
    hostRelease.settle(); // set before the exit status was completed
  }

  /**
   * Stops the container (see {@link ContainerSpec#stopTimeout()}), releases everything and removes
   * it, log included (a detached container's log stays for {@code poc logs} until {@code poc rm}).
   * {@link #stop(Duration)} keeps the log.
   */
  @Override
  public void close() {
    if (spec.detached() && isRunning()) {
      return; // it was asked to outlive us; `poc stop` or a new runtime will deal with it
    }
    stop(spec.stopTimeout());
    if (!spec.detached()) {
      runtime.removeLogIfOurs(this);
    }
    closeQuietly(helper.getOutputStream());
    closeQuietly(helper.getInputStream());
    closeQuietly(helper.getErrorStream());
    synchronized (this) {
      logStreams.values().forEach(Container::closeQuietly); // their files stay readable until closed
    }
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException e) {
      // a pipe whose other end is gone: nothing left to release
    }
  }

  private ExitStatus awaitStatus() throws InterruptedException {
    return exit.await();
  }

  private void awaitStatusUninterruptibly() {
    boolean interrupted = false;
    while (true) {
      try {
        awaitStatus();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** The waiter thread: waits until the helper is gone, then releases. */
  private void awaitExit() {
    ExitStatus status = conn.awaitEnd(helper);
    long tReaped = System.nanoTime();
    try {
      for (Attachment a : attachments) {
        status = a.onExited(status);
      }
    } catch (RuntimeException e) {
      LOG.warn("reading final figures of {} failed: {}", name(), e.toString());
    }
    dev.poc.launch.StartProfile.mark(name(), "final figures read");
    runtime.helperExiting(helper); // before the status completes: a close() after waitFor() waits for it
    release();
    dev.poc.launch.StartProfile.mark(name(), "released");
    if (LOG.isDebugEnabled()) {
      long tReleased = System.nanoTime();
      LOG.debug("ended {}: released {} us after its helper was done", name(), (tReleased - tReaped) / 1000);
    }
    exit.complete(status);
    runtime.spareHelpers().released(); // a spare taken for a start is made now, off that start's path
  }

  private void release() {
    init.close(); // its pid may belong to another process from now on
    conn.close();
    List<Attachment> now = new ArrayList<>();
    List<Attachment> later = new ArrayList<>();
    for (Attachment a : attachments) {
      (releasedInBackground(a) ? later : now).add(a);
    }
    Release.all(now);
    dev.poc.launch.StartProfile.mark(name(), "host side released");
    long tDelete = System.nanoTime();
    // renamed aside at once; the cgroup's rmdirs (0.5 ms), the name lock's release and the
    // directory's deletion follow in the background, in that order (see RunDirDisposal)
    hostRelease = RunDirDisposal.dispose(ctx.runDir(), name(), () -> Release.all(later), lock::close);
    dev.poc.launch.StartProfile.mark(name(), "run dir removed");
    if (LOG.isDebugEnabled()) {
      LOG.debug("set the run directory of {} aside in {} us", name(), (System.nanoTime() - tDelete) / 1000);
    }
    if (spec.autoRemove()) {
      log.remove();
    }
    runtime.unregister(this);
  }

  /**
   * What nothing after the command's exit needs at once, nor anything but a start of the same
   * name, which settles it first: the cgroup (its final figures are read before), the netns name
   * and the veth (whose address is free again only once the veth is gone). Published ports go at
   * once: another container may publish the same host port right after.
   */
  private static boolean releasedInBackground(Attachment a) {
    return a instanceof CgroupAttachment || (a instanceof NetworkAttachment n && n.releasableLater());
  }

  StartContext context() {
    return ctx;
  }

  OutputLog log() {
    return log;
  }

  List<Attachment> attachments() {
    return attachments;
  }

  @Override
  public String toString() {
    return "Container[" + name() + ", pid " + init.pid() + (isRunning() ? ", running]" : ", " + exit.join() + "]");
  }
}
