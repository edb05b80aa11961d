package dev.poc.front;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import jnr.unixsocket.Credentials;
import jnr.unixsocket.UnixServerSocketChannel;
import jnr.unixsocket.UnixSocketAddress;
import jnr.unixsocket.UnixSocketChannel;
import jnr.unixsocket.UnixSocketOptions;

/**
 * The warm JVM behind a native front: listens on SOCKET, answers each caller on a thread of its own
 * ({@link Handler}), and leaves when idle or when a caller names another build of the jar.
 *
 * <p>One per jar, user and view of the host: SOCKET's directory is 0700 and the caller's uid must be
 * ours (SO_PEERCRED); SOCKET.lock is held while it runs, so a second server exits at once; SOCKET.pid
 * names it, which the front checks against the peer's pid. It exits once idle for the given time,
 * removing its socket (only the one it bound, never a successor's) and SOCKET.pid. The launcher's
 * one-start-at-a-time mark, SOCKET.starting, is removed once the socket is bound.
 */
public final class FrontServer {
  /** Answers one caller; the server closes the connection afterwards. */
  @FunctionalInterface
  public interface Handler {
    void answer(UnixSocketChannel caller, InputStream in, OutputStream out, FrontServer server) throws IOException;
  }

  private static final int SHUT_RDWR = 2;
  /** How long a caller has for its request, and its front for the answer to SPAWN. */
  public static final int REQUEST_SECONDS = 10;
  /** The longest line a front may send: its lines are a few words. */
  public static final int MAX_LINE = 4096;
  /** Callers served at once; one more is answered FALLBACK busy (it runs in a JVM of its own). */
  static final int MAX_CALLERS = 256;
  /** Refused callers logged per minute: a caller refused in a loop must not fill the disk. */
  private static final int LOGGED_PER_MINUTE = 20;
  private final Path socket;
  private final String name;
  private final long idleNanos;
  private final Handler handler;
  private final ScheduledExecutorService timer;
  /**
   * The threads that answer callers (at most {@link #MAX_CALLERS} at once), kept a while between
   * calls: a thread made and ended per call cost a served run about a tenth of a millisecond of CPU.
   * Daemons: {@link #serve} returns only once no call is active.
   */
  private final ExecutorService requests;
  private final Object lock = new Object();
  private int active;
  private long lastDone = System.nanoTime();
  private long logMinute = System.nanoTime();
  private int loggedThisMinute;
  private int notLogged;
  private boolean stale;
  private UnixServerSocketChannel server;
  private Object boundSocket; // the inode this server bound: the only socket file it may remove
  private boolean stopped;

  /** {@code name}: what its log lines and threads are called, e.g. "poc-oci server". */
  public FrontServer(Path socket, String name, long idleNanos, Handler handler) {
    this.socket = socket.toAbsolutePath();
    this.name = name;
    this.idleNanos = idleNanos;
    this.handler = handler;
    this.requests = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
      Thread t = new Thread(r, name + " request");
      t.setDaemon(true);
      return t;
    });
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, name + " timeouts");
      t.setDaemon(true);
      return t;
    });
  }

  /** The idle time from {@code variable} (whole seconds), else {@code property}, else {@code otherwise}; exits 2 when malformed. */
  public static long idleNanos(String variable, String property, String otherwise) {
    String idle = System.getenv().getOrDefault(variable, System.getProperty(property, otherwise));
    try {
      return TimeUnit.SECONDS.toNanos(Long.parseLong(idle.trim()));
    } catch (NumberFormatException e) {
      System.err.println(variable + " is '" + idle + "': give whole seconds, e.g. " + otherwise);
      System.exit(2);
      return 0;
    }
  }

  /** "PATH MTIME SIZE", mtime as seconds.nanoseconds: what a front sends for the jar it would run. */
  public static String identity(String jar) throws IOException {
    long nanos = ((FileTime) Files.getAttribute(Path.of(jar), "lastModifiedTime")).to(TimeUnit.NANOSECONDS);
    return jar + " " + Math.floorDiv(nanos, 1_000_000_000L) + "." + String.format("%09d", Math.floorMod(nanos, 1_000_000_000L))
        + " " + Files.size(Path.of(jar));
  }

  /** Serves until idle or stale, then exits the JVM (status 0). */
  public void serve() throws IOException, InterruptedException {
    Path dir = socket.getParent();
    Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    java.nio.file.LinkOption nofollow = java.nio.file.LinkOption.NOFOLLOW_LINKS;
    if (!Files.isDirectory(dir, nofollow)
        || !Files.getPosixFilePermissions(dir, nofollow).equals(PosixFilePermissions.fromString("rwx------"))
        || dev.poc.host.Posix.geteuid() != (int) Files.getAttribute(dir, "unix:uid", nofollow)) {
      throw new IOException(dir + " must be a directory of ours (no symlink), mode 0700 (it holds the " + name
          + "'s socket): remove it");
    }
    try {
      serveLocked();
    } finally {
      Files.deleteIfExists(Path.of(socket + ".starting")); // the launcher's mark: one start at a time
    }
    System.exit(0); // the JVM would otherwise wait for nothing; the spare-helper threads are daemons
  }

  private void serveLocked() throws IOException, InterruptedException {
    try (FileChannel lockFile = FileChannel.open(Path.of(socket + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        java.nio.file.LinkOption.NOFOLLOW_LINKS);
        FileLock held = tryLock(lockFile)) {
      if (held == null) {
        System.err.println(name + ": another server holds " + socket + ".lock; leaving");
        return;
      }
      Files.deleteIfExists(socket); // a dead server's: the lock was free
      server = UnixServerSocketChannel.open();
      server.socket().bind(new UnixSocketAddress(socket.toFile()));
      boundSocket = Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
      writePid();
      Files.deleteIfExists(Path.of(socket + ".starting"));
      // stopped by a signal: the next caller finds no socket rather than a dead one (the lock is still
      // ours while the hooks run: the process holds it until it is gone)
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        synchronized (lock) {
          stopAccepting();
        }
      }, name + " exit"));
      leaveCallersCgroups();
      Thread watcher = new Thread(this::exitWhenIdle, name + " idle");
      watcher.setDaemon(true);
      watcher.start();
      for (;;) {
        UnixSocketChannel caller;
        try {
          caller = server.accept();
        } catch (IOException | RuntimeException | LinkageError e) {
          // shut down (jnr reports accept's EINVAL so): idle or stale; or a class of a jar that a new
          // build replaced under this JVM: leave, the next caller starts a server on the new one
          break;
        }
        if (caller == null) {
          break;
        }
        boolean busy;
        synchronized (lock) {
          if (stopped || !sameUser(caller)) {
            caller.close();
            continue;
          }
          busy = active >= MAX_CALLERS;
          if (!busy) {
            active++;
          }
        }
        if (busy) {
          refuseBusy(caller);
          continue;
        }
        requests.execute(() -> answer(caller));
      }
      synchronized (lock) {
        while (active > 0) {
          lock.wait();
        }
        stopAccepting(); // while the lock is ours: a successor's socket is never touched
      }
      requests.shutdown(); // no call is active: its idle threads end now
    }
  }

  /** SOCKET.pid, written under a temporary name and renamed: no symlink there is followed. */
  private void writePid() throws IOException {
    Path tmp = Path.of(socket + ".pid.tmp");
    Files.deleteIfExists(tmp); // a symlink is removed, not followed
    Files.writeString(tmp, ProcessHandle.current().pid() + "\n", StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    Files.move(tmp, Path.of(socket + ".pid"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  private void answer(UnixSocketChannel caller) {
    try (caller) {
      // not Channels' streams: they share one lock, so a thread blocked reading (a handler watching
      // its caller) would keep every write waiting
      InputStream in = new BufferedInputStream(new InputStream() {
        @Override
        public int read() throws IOException {
          byte[] one = new byte[1];
          return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          return len == 0 ? 0 : caller.read(ByteBuffer.wrap(b, off, len));
        }
      });
      OutputStream out = new OutputStream() {
        @Override
        public void write(int b) throws IOException {
          write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          ByteBuffer buf = ByteBuffer.wrap(b, off, len);
          while (buf.hasRemaining()) {
            caller.write(buf);
          }
        }
      };
      handler.answer(caller, in, out, this);
    } catch (IOException e) {
      // the caller has gone
    } finally {
      synchronized (lock) {
        active--;
        lastDone = System.nanoTime();
        lock.notifyAll();
      }
    }
  }

  /** Answers a caller over {@link #MAX_CALLERS} FALLBACK busy, without reading its request (a short write cannot block). */
  private void refuseBusy(UnixSocketChannel caller) {
    try (caller) {
      log("not serving a caller: " + MAX_CALLERS + " callers are being served");
      caller.write(ByteBuffer.wrap("FALLBACK busy: too many callers at once\n".getBytes(StandardCharsets.UTF_8)));
    } catch (IOException e) {
      // the caller has gone
    }
  }

  /** A line in SOCKET's log, at most {@link #LOGGED_PER_MINUTE} a minute; the ones left out are counted. */
  private void log(String text) {
    String said;
    synchronized (lock) {
      long now = System.nanoTime();
      String skipped = "";
      if (now - logMinute >= TimeUnit.MINUTES.toNanos(1)) {
        skipped = notLogged > 0 ? " (" + notLogged + " such lines were left out in the last minute)" : "";
        logMinute = now;
        loggedThisMinute = 0;
        notLogged = 0;
      }
      if (loggedThisMinute >= LOGGED_PER_MINUTE) {
        notLogged++;
        return;
      }
      loggedThisMinute++;
      said = name + ": " + text + skipped;
    }
    System.err.println(said);
  }

  /** A caller named another build of the jar: no new caller from now on; the next one starts a new server. */
  public void markStale() {
    synchronized (lock) {
      stale = true;
      stopAccepting();
    }
  }

  /** Ends {@code caller}'s reads (and writes) after {@code seconds}, unless cancelled: a slow or idle caller holds nothing forever. */
  public ScheduledFuture<?> cutOffAfter(UnixSocketChannel caller, int seconds) {
    return timer.schedule(() -> dev.poc.host.LibC.get().shutdown(caller.getFD(), SHUT_RDWR), seconds, TimeUnit.SECONDS);
  }

  private static FileLock tryLock(FileChannel file) throws IOException, InterruptedException {
    // a stale server may still hold it for an instant as it leaves
    for (int i = 0; i < 40; i++) {
      FileLock l = file.tryLock();
      if (l != null) {
        return l;
      }
      Thread.sleep(50);
    }
    return null;
  }

  private static boolean sameUser(UnixSocketChannel caller) {
    try {
      Credentials peer = caller.getOption(UnixSocketOptions.SO_PEERCRED);
      return peer != null && peer.getUid() == dev.poc.host.Posix.geteuid();
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Moves this process to the root of every cgroup hierarchy (root only): started by a caller in an
   * engine's group (a shim's or conmon's) or a session's, it would otherwise keep that group from
   * being removed for as long as it lives. Best effort.
   */
  private void leaveCallersCgroups() {
    if (dev.poc.host.Posix.geteuid() != 0) {
      return;
    }
    Set<String> mounts = new LinkedHashSet<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String[] halves = line.split(" - ", 2);
        String[] f = halves[0].split(" ");
        if (halves.length == 2 && (halves[1].startsWith("cgroup ") || halves[1].startsWith("cgroup2 ")) && f[3].equals("/")) {
          mounts.add(f[4]);
        }
      }
    } catch (IOException e) {
      return;
    }
    String pid = Long.toString(ProcessHandle.current().pid());
    for (String m : mounts) {
      try {
        Files.writeString(Path.of(m, "cgroup.procs"), pid);
      } catch (IOException e) {
        System.err.println(name + ": cannot move into " + m + ": " + e.getMessage());
      }
    }
  }

  private void exitWhenIdle() {
    for (;;) {
      try {
        Thread.sleep(Math.max(10, Math.min(1000, TimeUnit.NANOSECONDS.toMillis(idleNanos) / 4)));
      } catch (InterruptedException e) {
        return;
      }
      synchronized (lock) {
        if (active == 0 && (stale || System.nanoTime() - lastDone >= idleNanos)) {
          stopAccepting();
          return;
        }
      }
    }
  }

  /**
   * No new caller from now on: they find no socket and run their own JVM. Called with {@code lock}
   * held, and while this process holds SOCKET.lock; once only, and the socket file is removed only
   * if it is still the one this server bound (never a successor's).
   */
  private void stopAccepting() {
    if (stopped || server == null) {
      return;
    }
    stopped = true;
    try {
      Object now = Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class,
          java.nio.file.LinkOption.NOFOLLOW_LINKS).fileKey();
      if (now != null && now.equals(boundSocket)) {
        Files.deleteIfExists(socket);
        Files.deleteIfExists(Path.of(socket + ".pid"));
      }
    } catch (IOException e) {
      // gone already
    }
    // wakes the accept (closing alone would not), which then ends the loop
    dev.poc.host.LibC.get().shutdown(server.getFD(), SHUT_RDWR);
  }

  /** A request this server will answer, with its caller's view of the host as /proc shows it. */
  public record Admitted(FrontRequest request, PeerView view) {}

  /**
   * Reads a caller's request of {@code protocol} and its view of the host (within
   * {@value #REQUEST_SECONDS} s: a slow or idle caller holds nothing for long), and admits it if
   * it runs this server's build of the jar ({@code identity}; else this server leaves, and the next
   * caller starts one on the new build) and sees the host as this server ({@code host}) does, the
   * environment compared through {@code compared}; {@code refuse} may name another reason (null:
   * none). Otherwise the caller is answered {@code FALLBACK why} (its front runs the command in a
   * JVM of its own; the why goes to this server's log too) and this returns null.
   */
  public Admitted admit(UnixSocketChannel caller, InputStream in, OutputStream out, String protocol, String identity,
      PeerView host, java.util.function.UnaryOperator<java.util.Map<String, String>> compared,
      java.util.function.Function<PeerView, String> refuse) throws IOException {
    FrontRequest request;
    PeerView view;
    ScheduledFuture<?> cutOff = cutOffAfter(caller, REQUEST_SECONDS);
    try {
      request = FrontRequest.read(in, protocol);
      view = PeerView.ofPeer(caller.getFD());
    } catch (IOException e) {
      log("not serving a caller: " + e.getMessage());
      line(out, "FALLBACK " + e.getMessage());
      return null;
    } finally {
      cutOff.cancel(false);
    }
    String why = request.mismatch(identity, view, host, compared);
    if (why == null) {
      why = refuse.apply(view);
    }
    if (why == null) {
      return new Admitted(request, view);
    }
    if (!request.identity().equals(identity)) {
      markStale(); // a new build: the next caller starts its server
    }
    log("not serving a caller: " + why); // SOCKET's .log: why calls are slow
    line(out, "FALLBACK " + why);
    return null;
  }

  /**
   * Has the caller's front start poc-init ({@code SPAWN BINARY SOCKET [IMAGE]}) and returns the pid
   * it reports ({@code PID N}); an IOException when it could not ({@code FAILED why}) or did not
   * answer within {@value #REQUEST_SECONDS} s. {@code front} names it in errors.
   */
  public int spawnByFront(UnixSocketChannel caller, InputStream in, OutputStream out, Path binary, Path helperSocket,
      java.util.Optional<String> image, String front) throws IOException {
    line(out, "SPAWN " + binary + " " + helperSocket + image.map(i -> " " + i).orElse(""));
    ScheduledFuture<?> late = cutOffAfter(caller, REQUEST_SECONDS);
    String reply;
    try {
      reply = readLine(in, front + " went away before saying whether poc-init started");
    } finally {
      late.cancel(false);
    }
    if (reply.startsWith("PID ")) {
      return Integer.parseInt(reply.substring(4).trim());
    }
    throw new IOException(front + " could not start poc-init: " + reply);
  }

  /** Writes one line (a newline is added) and flushes. */
  public static void line(OutputStream out, String text) throws IOException {
    out.write((text + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  /**
   * One line from the front, without its newline; an IOException saying {@code whenGone} at its end,
   * or when the line is over {@value #MAX_LINE} bytes (a front that streams one endless line must not
   * fill this server's memory; the caller then ends as if gone).
   */
  public static String readLine(InputStream in, String whenGone) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    for (int b; (b = in.read()) != '\n';) {
      if (b < 0) {
        throw new IOException(whenGone);
      }
      if (buf.size() >= MAX_LINE) {
        throw new IOException("the front sent a line over " + MAX_LINE + " bytes");
      }
      buf.write(b);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }
}
