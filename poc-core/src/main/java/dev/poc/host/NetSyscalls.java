package dev.poc.host;

import java.nio.ByteBuffer;
import jnr.constants.platform.Errno;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

/** The libc calls the network setup makes from the JVM (netlink sockets, binding a netns name). */
public final class NetSyscalls {
  public static final int AF_NETLINK = 16;
  public static final int SOCK_RAW = 3;
  public static final int SOCK_CLOEXEC = 0x80000;
  public static final int NETLINK_ROUTE = 0;
  public static final int SOL_NETLINK = 270;
  public static final int NETLINK_CAP_ACK = 10;
  public static final int NETLINK_EXT_ACK = 11;
  public static final long MS_BIND = 4096;
  public static final long MS_REC = 16384;
  public static final long MS_SHARED = 1 << 20;
  public static final int MNT_DETACH = 2;
  public static final int EINVAL = 22;
  public static final int ENOENT = 2;

  /** Bound by jnr-ffi; public because the generated class implements it. */
  public interface LibC {
    int socket(int domain, int type, int protocol);

    int setsockopt(int fd, int level, int option, @In int[] value, int length);

    long send(int fd, @In ByteBuffer buf, long length, int flags);

    /** Into a direct buffer: jnr passes its address, no copy of the (large) receive buffer. */
    long recv(int fd, @Out ByteBuffer buf, long length, int flags);

    int close(int fd);

    int mount(String source, String target, String type, long flags, String data);

    int umount2(String target, int flags);
  }

  private static final LibC LIBC = LibraryLoader.create(LibC.class).option(LibraryOption.SaveError, true).load("c");
  private static final jnr.ffi.Runtime RUNTIME = jnr.ffi.Runtime.getRuntime(LIBC);

  private NetSyscalls() {}

  public static LibC libc() {
    return LIBC;
  }

  /** The errno of this thread's last failed call. */
  public static int errno() {
    return LastError.getLastError(RUNTIME);
  }

  /** The text of an errno, as strerror gives it ("File exists"). */
  public static String describe(int errno) {
    Errno e = Errno.valueOf(errno);
    return e == null || e.description() == null ? "errno " + errno : e.description();
  }
}
