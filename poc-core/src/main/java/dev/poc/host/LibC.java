package dev.poc.host;

import java.nio.ByteBuffer;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

/**
 * poc's one binding of libc: files and locks, signals, mount, umount2, ioctl with a struct (loop
 * devices), rmdir, raw syscalls (pidfd, bpf) and netlink sockets. Every call saves errno, read back
 * with {@link Errno#last()}. jnr-posix is not used: binding its hundreds of functions costs a
 * fresh JVM (the CLI's) a third of a second, these few a hundredth.
 */
public final class LibC {
  /** The bound functions; public only because jnr-ffi generates an implementation of it. */
  public interface Functions {
    int open(String path, int flags);

    int open(String path, int flags, int mode);

    int close(int fd);

    int flock(int fd, int operation);

    int kill(int pid, int signal);

    int geteuid();

    int getegid();

    int isatty(int fd);

    int chmod(String path, int mode);

    int mkfifo(String path, int mode);

    long write(int fd, @In byte[] buf, long count);

    String strerror(int errnum);

    int ioctl(int fd, long request, long arg);

    int ioctl(int fd, long request, Pointer arg);

    int mount(String source, String target, String type, long flags, String data);

    int umount2(String target, int flags);

    int rmdir(String path);

    long syscall(long number, long a1, long a2, long a3, long a4);

    int memfd_create(String name, int flags);

    int fcntl(int fd, int cmd, int arg);

    /** glibc 2.36+: the mount API's calls (an older libc throws UnsatisfiedLinkError at the first call). */
    int fsopen(String fsName, int flags);

    int fsconfig(int fd, int cmd, String key, String value, int aux);

    int fsmount(int fd, int flags, int attributes);

    int socket(int domain, int type, int protocol);

    int setsockopt(int fd, int level, int option, @In int[] value, int length);

    int getsockopt(int fd, int level, int option, @Out int[] value, int[] length);

    int shutdown(int fd, int how);

    long send(int fd, @In ByteBuffer buf, long length, int flags);

    /** Into a direct buffer: jnr passes its address, no copy of the (large) receive buffer. */
    long recv(int fd, @Out ByteBuffer buf, long length, int flags);
  }

  public static final int O_RDWR = 02;
  static final int O_CREAT = 0100;
  public static final int O_CLOEXEC = 02000000;
  public static final int MFD_CLOEXEC = 1;
  public static final int MFD_ALLOW_SEALING = 2;
  public static final int F_ADD_SEALS = 1033;
  /** F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE: the file can never change again. */
  public static final int F_SEAL_ALL = 1 | 2 | 4 | 8;
  public static final long MS_NOSUID = 2;
  public static final long MS_NODEV = 4;
  public static final long MS_BIND = 4096;
  public static final long MS_REC = 16384;
  public static final long MS_SHARED = 1 << 20;
  public static final int MNT_DETACH = 2;
  public static final int AF_NETLINK = 16;
  public static final int SOCK_RAW = 3;
  public static final int SOCK_CLOEXEC = 0x80000;
  public static final int NETLINK_ROUTE = 0;
  public static final int SOL_NETLINK = 270;
  public static final int NETLINK_CAP_ACK = 10;
  public static final int NETLINK_EXT_ACK = 11;

  private static final Functions LIBC =
      LibraryLoader.create(Functions.class).option(LibraryOption.SaveError, true).load("c");
  private static final jnr.ffi.Runtime RUNTIME = jnr.ffi.Runtime.getRuntime(LIBC);

  private LibC() {}

  public static Functions get() {
    return LIBC;
  }

  public static jnr.ffi.Runtime runtime() {
    return RUNTIME;
  }
}
