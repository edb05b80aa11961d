package dev.poc.launch;

import dev.poc.StartFailedException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import com.google.common.hash.Hashing;
import dev.poc.host.Errno;
import dev.poc.host.LibC;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unpacks poc-init from the jar to a content-addressed path, once per content. A path named by
 * the hash can never hold another version, so concurrent JVMs and upgrades need no locking.
 */
public final class InitBinary {
  private static final Logger LOG = LoggerFactory.getLogger(InitBinary.class);
  private static final String RESOURCE = "/dev/poc/native/poc-init";
  /** Where poc-init is unpacked, one file per content hash. */
  static final Path DIR = dev.poc.host.HostDirs.hostState().resolve("bin");
  /** The environment variable that names the shared sealed image to poc-init (see run_from_sealed_copy). */
  static final String IMAGE_ENV = "POC_INIT_IMAGE";
  private static volatile Path cached;
  private static volatile Optional<String> image;

  private InitBinary() {}

  static Path path() {
    Path p = cached;
    if (p == null) {
      synchronized (InitBinary.class) {
        if (cached == null) {
          byte[] bytes = read();
          Path unpacked = unpack(bytes);
          image = sealedImage(bytes);
          cached = unpacked; // last: a thread that sees it without the lock must see the image too
        }
        p = cached;
      }
    }
    return p;
  }

  /**
   * {@code /proc/PID/fd/N} of this JVM's one sealed in-memory copy of poc-init, which every helper
   * it spawns re-executes itself from: a helper must not run the host's file (a container could
   * reach it through /proc/PID/exe, runc's CVE-2019-5736), and a copy per helper would cost each
   * running container the binary's size again (~100 KiB), where this one is shared by all. Empty
   * when memfd or its seals are refused: then each helper makes its own copy, as before.
   */
  static Optional<String> sharedImage() {
    path();
    return image;
  }

  private static Optional<String> sealedImage(byte[] bytes) {
    LibC.Functions libc = LibC.get();
    int fd = libc.memfd_create("poc-init", LibC.MFD_CLOEXEC | LibC.MFD_ALLOW_SEALING);
    if (fd < 0) {
      LOG.debug("no shared poc-init image (memfd_create: {}): each helper copies its own", Errno.describe(Errno.last()));
      return Optional.empty();
    }
    for (int off = 0; off < bytes.length;) {
      byte[] rest = off == 0 ? bytes : java.util.Arrays.copyOfRange(bytes, off, bytes.length);
      long n = libc.write(fd, rest, rest.length);
      if (n <= 0) {
        LOG.debug("no shared poc-init image (write: {}): each helper copies its own", Errno.describe(Errno.last()));
        libc.close(fd);
        return Optional.empty();
      }
      off += (int) n;
    }
    if (libc.fcntl(fd, LibC.F_ADD_SEALS, LibC.F_SEAL_ALL) < 0) {
      LOG.debug("no shared poc-init image (seals: {}): each helper copies its own", Errno.describe(Errno.last()));
      libc.close(fd);
      return Optional.empty();
    }
    return Optional.of("/proc/" + ProcessHandle.current().pid() + "/fd/" + fd); // open for the JVM's lifetime
  }

  private static byte[] read() {
    try (InputStream in = InitBinary.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new StartFailedException(
            "poc-init is missing from the poc-core jar (" + RESOURCE + "): rebuild poc-core with a C compiler present");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new StartFailedException("reading poc-init from the jar: " + e.getMessage(), e);
    }
  }

  private static Path unpack(byte[] bytes) {
    String hash = Hashing.sha256().hashBytes(bytes).toString().substring(0, 16);
    Path dir = DIR;
    Path target = dir.resolve("poc-init-" + hash);
    try {
      if (Files.isRegularFile(target) && Files.size(target) == bytes.length) {
        return target;
      }
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, ".poc-init", ".tmp");
      Files.write(tmp, bytes);
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return target;
    } catch (IOException e) {
      throw new StartFailedException("unpacking poc-init to " + target + ": " + e.getMessage(), e);
    }
  }

  /** Whether live process {@code pid} runs a poc-init (of any version poc unpacked). */
  /**
   * Whether {@code pid} is a container init that its helper handed off (OCI's created state: the
   * engine's shim, not a poc-init, is its parent): PID 1 of its namespace, running poc-init's
   * sealed copy. Other inits die with their helper, so a live one of these is a live container.
   */
  public static boolean isHandedOffInit(int pid) {
    try {
      String exe = Files.readSymbolicLink(Path.of("/proc/" + pid + "/exe")).toString();
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("NSpid:")) {
          String[] ids = line.substring(6).trim().split("\\s+");
          return ids.length > 1 && ids[ids.length - 1].equals("1") && exe.startsWith("/memfd:poc-init");
        }
      }
      return false;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  public static boolean isPocInit(int pid) {
    try {
      // It runs from a sealed memfd copy of the file it was started from (argv[0]); see poc-init.c.
      String exe = Files.readSymbolicLink(Path.of("/proc/" + pid + "/exe")).toString();
      Path started = Path.of(Files.readString(Path.of("/proc/" + pid + "/cmdline")).split("\0", 2)[0]);
      boolean fromUs = DIR.equals(started.getParent()) && started.getFileName().toString().startsWith("poc-init-");
      return fromUs && (exe.startsWith("/memfd:poc-init") || exe.equals(started.toString()));
    } catch (IOException | RuntimeException e) {
      return false; // gone, or not ours to read
    }
  }
}
