package dev.poc.oci;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.channels.Channels;
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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import jnr.unixsocket.Credentials;
import jnr.unixsocket.UnixServerSocketChannel;
import jnr.unixsocket.UnixSocketAddress;
import jnr.unixsocket.UnixSocketChannel;
import jnr.unixsocket.UnixSocketOptions;

/**
 * poc-oci's create server: a warm JVM that runs {@code create} for poc-oci's native front, so a
 * create does not pay for a JVM start. The front stays the caller's process and starts poc-init
 * itself (its stdio, its subreaper: the engine's shim adopts the init as it adopts runc's); this
 * server does the rest of a create as the JVM would, and drives that helper over the control socket
 * it connects to ({@link dev.poc.launch.InitSpawner}).
 *
 * <p>Usage: {@code OciServer SOCKET JAR}. One per jar and user: SOCKET's directory is 0700 and
 * the caller's uid must be ours (SO_PEERCRED); SOCKET.lock is held while it runs, so a second
 * server exits at once. It exits once idle for {@code POC_OCI_SERVER_IDLE} seconds (default 30),
 * and as soon as a caller names another build of JAR (its path, mtime and size): that caller runs
 * its create in a JVM of its own, as does any caller whose view of the host, which this server
 * reads from /proc through the caller's pidfd and never takes from the request, differs from its
 * own ({@link PeerView}, {@link CreateRequest#mismatch}). Each request runs on a thread of its
 * own; one that does not arrive within {@value #REQUEST_SECONDS} s is dropped.
 *
 * <p>Wire, after the request ({@link CreateRequest}): the server writes {@code FALLBACK why} (nothing
 * done) or {@code OK}; then, when the create reaches its helper, {@code SPAWN BINARY SOCKET}, to
 * which the front answers {@code PID N} or {@code FAILED why}; last {@code EXIT CODE LENGTH} and
 * that many bytes of stderr text. Lines end in a newline. SPAWN may name a third field, this JVM's
 * sealed poc-init image ({@code /proc/PID/fd/N}). The front runs BINARY only if it is what the
 * runtime unpacks (root's or the user's, writable by no one else, no symlink), IMAGE only if it is
 * this server's, and checks that it talks to the server whose pid SOCKET.pid names.
 */
public final class OciServer {
  private final Path socket;
  private final String identity;
  private static final int REQUEST_SECONDS = 10;
  private static final int SHUT_RDWR = 2;
  private final PeerView host;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "poc-oci-server-timeouts");
    t.setDaemon(true);
    return t;
  });
  private final long idleNanos;
  private final Object lock = new Object();
  private int active;
  private long lastDone = System.nanoTime();
  private boolean stale;
  private UnixServerSocketChannel server;
  private Object boundSocket; // the inode this server bound: the only socket file it may remove
  private boolean stopped;

  private OciServer(Path socket, String identity, PeerView host, long idleNanos) {
    this.socket = socket;
    this.identity = identity;
    this.host = host;
    this.idleNanos = idleNanos;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: OciServer SOCKET JAR (./poc-oci starts it; see README, \"Speed\")");
      System.exit(2);
    }
    Path socket = Path.of(args[0]).toAbsolutePath();
    String idle = System.getenv().getOrDefault("POC_OCI_SERVER_IDLE", System.getProperty("poc.oci.server.idle", "30"));
    long idleSeconds;
    try {
      idleSeconds = Long.parseLong(idle.trim());
    } catch (NumberFormatException e) {
      System.err.println("poc-oci server: POC_OCI_SERVER_IDLE is '" + idle + "': give whole seconds, e.g. 30");
      System.exit(2);
      return;
    }
    new OciServer(socket, identity(args[1]), PeerView.own(),
        TimeUnit.SECONDS.toNanos(idleSeconds)).serve();
  }

  /** "PATH MTIME SIZE", mtime as seconds.nanoseconds: what the front sends for the jar it would run. */
  static String identity(String jar) throws IOException {
    long nanos = ((FileTime) Files.getAttribute(Path.of(jar), "lastModifiedTime")).to(TimeUnit.NANOSECONDS);
    return jar + " " + Math.floorDiv(nanos, 1_000_000_000L) + "." + String.format("%09d", Math.floorMod(nanos, 1_000_000_000L))
        + " " + Files.size(Path.of(jar));
  }

  private void serve() throws IOException, InterruptedException {
    Path dir = socket.getParent();
    Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    if (!Files.getPosixFilePermissions(dir).equals(PosixFilePermissions.fromString("rwx------"))
        || dev.poc.host.Posix.geteuid() != (int) Files.getAttribute(dir, "unix:uid")) {
      throw new IOException(dir + " must be ours and mode 0700 (it holds the create server's socket): remove it");
    }
    try {
      serveLocked(dir);
    } finally {
      Files.deleteIfExists(Path.of(socket + ".starting")); // ./poc-oci's mark: one start at a time
    }
    System.exit(0); // the JVM would otherwise wait for nothing; the spare-helper threads are daemons
  }

  private void serveLocked(Path dir) throws IOException, InterruptedException {
    try (FileChannel lockFile = FileChannel.open(Path.of(socket + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock held = tryLock(lockFile)) {
      if (held == null) {
        System.err.println("poc-oci server: another server holds " + socket + ".lock; leaving");
        return;
      }
      Files.deleteIfExists(socket); // a dead server's: the lock was free
      server = UnixServerSocketChannel.open();
      server.socket().bind(new UnixSocketAddress(socket.toFile()));
      boundSocket = Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
      Files.writeString(Path.of(socket + ".pid"), ProcessHandle.current().pid() + "\n");
      Files.deleteIfExists(Path.of(socket + ".starting")); // ./poc-oci's mark: one start at a time
      // stopped by a signal: the next caller finds no socket rather than a dead one (the lock is still
      // ours while the hooks run: the process holds it until it is gone)
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        synchronized (lock) {
          stopAccepting();
        }
      }, "poc-oci-server-exit"));
      leaveCallersCgroups();
      Thread watcher = new Thread(this::exitWhenIdle, "poc-oci-server-idle");
      watcher.setDaemon(true);
      watcher.start();
      for (;;) {
        UnixSocketChannel caller;
        try {
          caller = server.accept();
        } catch (IOException | java.nio.channels.NotYetBoundException e) {
          break; // shut down (jnr reports accept's EINVAL so): idle or stale
        }
        if (caller == null) {
          break;
        }
        synchronized (lock) {
          if (stopped || !sameUser(caller)) {
            caller.close();
            continue;
          }
          active++;
        }
        Thread t = new Thread(() -> answer(caller), "poc-oci-create");
        t.start();
      }
      synchronized (lock) {
        while (active > 0) {
          lock.wait();
        }
        stopAccepting(); // while the lock is ours: a successor's socket is never touched
      }
    }
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
   * Moves this process to the root of every cgroup hierarchy (root only): started by an engine's
   * first create, it would otherwise sit in that engine's group (a shim's or conmon's) and keep it
   * from being removed for as long as it lives. Best effort.
   */
  private static void leaveCallersCgroups() {
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
        System.err.println("poc-oci server: cannot move into " + m + ": " + e.getMessage());
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

  private void answer(UnixSocketChannel caller) {
    try (caller) {
      InputStream in = new BufferedInputStream(Channels.newInputStream(caller));
      OutputStream out = Channels.newOutputStream(caller);
      CreateRequest request;
      PeerView view;
      // an idle or slow caller is cut off (its read ends) rather than holding the server forever
      ScheduledFuture<?> cutOff = timer.schedule(() -> dev.poc.host.LibC.get().shutdown(caller.getFD(), SHUT_RDWR),
          REQUEST_SECONDS, TimeUnit.SECONDS);
      try {
        request = CreateRequest.read(in);
        view = PeerView.ofPeer(caller.getFD());
      } catch (IOException e) {
        System.err.println("poc-oci server: not serving a caller: " + e.getMessage());
        line(out, "FALLBACK " + e.getMessage());
        return;
      } finally {
        cutOff.cancel(false);
      }
      String why = request.mismatch(identity, view, host);
      if (why != null) {
        if (!request.identity().equals(identity)) {
          synchronized (lock) {
            stale = true; // a new build: the next caller starts its server
            stopAccepting();
          }
        }
        System.err.println("poc-oci server: not serving a caller: " + why); // SOCKET's .log: why creates are slow
        line(out, "FALLBACK " + why);
        return;
      }
      line(out, "OK");
      ByteArrayOutputStream errText = new ByteArrayOutputStream();
      int code;
      try (PrintStream err = new PrintStream(errText, true, StandardCharsets.UTF_8)) {
        try {
          code = OciMain.serveCreate(request.argv(), request.cwd(), err, (binary, helperSocket, image) -> {
            line(out, "SPAWN " + binary + " " + helperSocket + image.map(i -> " " + i).orElse(""));
            ScheduledFuture<?> late = timer.schedule(() -> dev.poc.host.LibC.get().shutdown(caller.getFD(), SHUT_RDWR),
                REQUEST_SECONDS, TimeUnit.SECONDS);
            String reply;
            try {
              reply = readLine(in);
            } finally {
              late.cancel(false);
            }
            if (reply.startsWith("PID ")) {
              return Integer.parseInt(reply.substring(4).trim());
            }
            throw new IOException("poc-oci's front could not start poc-init: " + reply);
          });
        } catch (RuntimeException | Error e) {
          err.println("poc-oci: the create server failed: " + e);
          code = 1;
        }
      }
      byte[] text = errText.toByteArray();
      try {
        line(out, "EXIT " + code + " " + text.length);
        out.write(text);
        out.flush();
      } catch (IOException gone) {
        if (code == 0) {
          // the caller went away mid-create (an engine's timeout): it will not use, or delete, what it does not know of
          OciMain.undoCreate(request.argv(), request.cwd(), System.err);
        }
        throw gone;
      }
    } catch (IOException e) {
      // the caller has gone: what it left is the next delete's
    } finally {
      synchronized (lock) {
        active--;
        lastDone = System.nanoTime();
        lock.notifyAll();
      }
    }
  }

  private static void line(OutputStream out, String text) throws IOException {
    out.write((text + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    for (int b; (b = in.read()) != '\n';) {
      if (b < 0) {
        throw new IOException("poc-oci's front went away before saying whether poc-init started");
      }
      buf.write(b);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }
}
