package dev.poc.launch;

import dev.poc.StartFailedException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import com.google.common.hash.Hashing;

/**
 * Unpacks poc-init from the jar to a content-addressed path, once per content. A path named by
 * the hash can never hold another version, so concurrent JVMs and upgrades need no locking.
 */
public final class InitBinary {
  private static final String RESOURCE = "/dev/poc/native/poc-init";
  /** Where poc-init is unpacked, one file per content hash. */
  static final Path DIR = dev.poc.host.HostDirs.hostState().resolve("bin");
  private static volatile Path cached;

  private InitBinary() {}

  static Path path() {
    Path p = cached;
    if (p == null) {
      synchronized (InitBinary.class) {
        if (cached == null) {
          cached = unpack();
        }
        p = cached;
      }
    }
    return p;
  }

  private static Path unpack() {
    byte[] bytes;
    try (InputStream in = InitBinary.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new StartFailedException(
            "poc-init is missing from the poc-core jar (" + RESOURCE + "): rebuild poc-core with a C compiler present");
      }
      bytes = in.readAllBytes();
    } catch (IOException e) {
      throw new StartFailedException("reading poc-init from the jar: " + e.getMessage(), e);
    }
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
