package dev.poc.oci;

import java.io.IOException;
import java.nio.file.Path;
import jnr.ffi.LibraryLoader;

/**
 * {@code run}: create, start, and (unless detached) wait for the container and exit as it did.
 * The created init is handed to the nearest subreaper, so this process makes itself one first:
 * then the init becomes its child and its exit status can be read with waitpid.
 */
final class RunVerb {
  private static final int PR_SET_CHILD_SUBREAPER = 36;

  /** The two libc calls run needs and no other class does. */
  public interface Reaping {
    int prctl(int option, long arg2, long arg3, long arg4, long arg5);

    int waitpid(int pid, int[] status, int options);
  }

  private final OciRuntime oci;

  RunVerb(OciRuntime oci) {
    this.oci = oci;
  }

  int run(String id, Path bundle, Path pidFile, Path consoleSocket, boolean detach) throws IOException {
    return run(id, bundle, pidFile, consoleSocket, 0, detach);
  }

  /** {@code run}, fds 3 to {@code preserveFds} + 2 of ours to the command. */
  int run(String id, Path bundle, Path pidFile, Path consoleSocket, int preserveFds, boolean detach) throws IOException {
    Reaping libc = detach ? null : LibraryLoader.create(Reaping.class).load("c");
    if (libc != null && libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
      throw new IOException("prctl(PR_SET_CHILD_SUBREAPER) failed: run needs it to read the container's exit");
    }
    int pid = oci.create(id, bundle, pidFile, consoleSocket, preserveFds, null);
    try {
      oci.start(id);
    } catch (IOException | RuntimeException e) {
      oci.delete(id, true);
      throw e;
    }
    if (detach) {
      return 0;
    }
    int[] status = new int[1];
    int r;
    do {
      r = libc.waitpid(pid, status, 0x40000000); // __WALL
    } while (r < 0 && jnr.ffi.LastError.getLastError(jnr.ffi.Runtime.getSystemRuntime()) == 4); // EINTR
    oci.delete(id, true);
    if (r != pid) {
      throw new IOException("waiting for container '" + id + "' (pid " + pid + ") failed");
    }
    int st = status[0];
    return (st & 0x7f) == 0 ? (st >> 8) & 0xff : 128 + (st & 0x7f);
  }
}
