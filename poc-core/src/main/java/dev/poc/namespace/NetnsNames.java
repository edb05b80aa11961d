package dev.poc.namespace;

import dev.poc.host.Errno;
import dev.poc.host.LibC;
import dev.poc.host.LibC;
import dev.poc.internal.ContainerNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Names a container's network namespace the way {@code ip netns} does: a bind mount of
 * {@code /proc/PID/ns/net} on {@code /run/netns/netns_NAME}, so {@code ip netns exec netns_NAME ...}
 * works. A bind is a plain mount(2), which the JVM can make (it is unshare it cannot).
 */
public final class NetnsNames {
  public static final Path DIR = Path.of("/run/netns");
  private static final String PREFIX = "netns_";
  private static volatile boolean dirReady;

  private NetnsNames() {}

  /** Binds {@code pid}'s network namespace to {@code /run/netns/NAME}. */
  public static void bind(String netns, int pid) throws IOException {
    prepareDir();
    Path target = DIR.resolve(netns);
    try {
      Files.createFile(target);
    } catch (java.nio.file.FileAlreadyExistsException e) {
      unbind(netns); // left by a run that is gone (the caller holds the container's name)
      Files.createFile(target);
    }
    String source = "/proc/" + pid + "/ns/net";
    if (LibC.get().mount(source, target.toString(), null, LibC.MS_BIND, null) != 0) {
      int errno = Errno.last();
      Files.deleteIfExists(target);
      throw new IOException("binding " + source + " to " + target + ": " + Errno.describe(errno));
    }
  }

  /** Unmounts and removes {@code /run/netns/NAME}; nothing happens when it is not there. */
  public static void unbind(String netns) throws IOException {
    Path target = DIR.resolve(netns);
    if (!Files.exists(target)) {
      return;
    }
    // Detach: a process inside (ip netns exec) must not keep the name from going.
    if (LibC.get().umount2(target.toString(), LibC.MNT_DETACH) != 0) {
      int errno = Errno.last();
      if (errno != Errno.EINVAL && errno != Errno.ENOENT) { // EINVAL: not mounted
        throw new IOException("unmounting " + target + ": " + Errno.describe(errno));
      }
    }
    try {
      Files.delete(target);
    } catch (NoSuchFileException e) {
      // gone already
    }
  }

  /** The container names of poc's netns names ({@code netns_NAME}) under {@link #DIR}. */
  static java.util.List<String> containerNames() throws IOException {
    if (!Files.isDirectory(DIR)) {
      return java.util.List.of();
    }
    try (java.util.stream.Stream<Path> s = Files.list(DIR)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(PREFIX))
          .map(n -> n.substring(PREFIX.length())).filter(ContainerNames::isValid).sorted().toList();
    }
  }

  /** The netns name of container {@code name}. */
  public static String of(String name) {
    return PREFIX + name;
  }

  /**
   * The netns names under {@link #DIR} whose namespace no process is in. The bind alone keeps a
   * namespace alive, so such a name is all that is left of its container. /proc is read once.
   */
  public static java.util.Set<String> withoutProcess() throws IOException {
    java.util.Set<String> inUse = new java.util.HashSet<>();
    try (java.util.stream.Stream<Path> procs = Files.list(Path.of("/proc"))) {
      procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).forEach(p -> {
        try {
          inUse.add(Files.readSymbolicLink(p.resolve("ns/net")).toString());
        } catch (IOException e) {
          // gone meanwhile, or a kernel thread
        }
      });
    }
    java.util.Set<String> idle = new java.util.TreeSet<>();
    for (String name : containerNames()) {
      try {
        if (!inUse.contains("net:[" + Files.getAttribute(DIR.resolve(of(name)), "unix:ino") + "]")) {
          idle.add(name);
        }
      } catch (NoSuchFileException e) {
        // removed meanwhile
      }
    }
    return idle;
  }

  /**
   * Makes /run/netns a shared mount point, as {@code ip netns add} does, before the first name is
   * bound in it: otherwise a later {@code ip netns add} would bind the directory over itself and
   * hide our mounts below its copy, where unmounting could no longer reach them.
   */
  private static synchronized void prepareDir() throws IOException {
    if (dirReady) {
      return;
    }
    Files.createDirectories(DIR);
    LibC.Functions libc = LibC.get();
    String dir = DIR.toString();
    if (libc.mount("none", dir, null, LibC.MS_SHARED | LibC.MS_REC, null) != 0) {
      if (Errno.last() != Errno.EINVAL) {
        throw new IOException("making " + dir + " a shared mount: " + Errno.describe(Errno.last()));
      }
      if (libc.mount(dir, dir, "none", LibC.MS_BIND | LibC.MS_REC, null) != 0
          || libc.mount("none", dir, null, LibC.MS_SHARED | LibC.MS_REC, null) != 0) {
        throw new IOException("making " + dir + " a mount point: " + Errno.describe(Errno.last()));
      }
    }
    dirReady = true;
  }
}
