package dev.poc.host;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

/**
 * Files inside a container's root, reached through a descriptor of that root (a directory, or a
 * running container's {@code /proc/PID/root}) and resolved as the container would see them:
 * every path goes through openat2 with {@code RESOLVE_IN_ROOT}, so a symlink in the image that
 * points at {@code /etc/shadow} means the container's {@code /etc/shadow}, never the host's.
 * Trees are walked by descriptor; a symlink met inside a tree is copied as a symlink, never
 * followed.
 */
public final class RootFiles implements AutoCloseable {
  private static final long SYS_OPENAT2 = 437; // the same on x86_64 and aarch64
  private static final int O_WRONLY = 01;
  private static final int O_CREAT = 0100;
  private static final int O_TRUNC = 01000;
  private static final int O_DIRECTORY = 0200000;
  private static final int O_NOFOLLOW = 0400000;
  private static final int O_CLOEXEC = 02000000;
  private static final int O_PATH = 010000000;
  private static final long RESOLVE_NO_MAGICLINKS = 0x02;
  private static final long RESOLVE_IN_ROOT = 0x10;
  private static final int ENOENT = 2;
  private static final int EEXIST = 17;

  /** The libc calls used here; public only because jnr-ffi implements it. */
  public interface C {
    long syscall(long number, long a1, long a2, long a3, long a4);

    int mkdirat(int dirfd, String path, int mode);

    int symlinkat(String target, int dirfd, String linkpath);

    long readlinkat(int dirfd, String path, @Out byte[] buf, long size);

    long read(int fd, @Out byte[] buf, long n);

    long write(int fd, @In byte[] buf, long n);

    int fchmod(int fd, int mode);

    int close(int fd);
  }

  private static final C LIBC = LibraryLoader.create(C.class).option(LibraryOption.SaveError, true).load("c");
  private static final jnr.ffi.Runtime FFI = jnr.ffi.Runtime.getRuntime(LIBC);

  private final int rootFd;
  private final String what;

  private RootFiles(int rootFd, String what) {
    this.rootFd = rootFd;
    this.what = what;
  }

  /** The root of {@code dir} (e.g. a directory rootfs, or {@code /proc/PID/root}); {@code what} names it in errors. */
  public static RootFiles of(Path dir, String what) throws IOException {
    int fd = LibC.get().open(dir.toString(), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd < 0) {
      throw new IOException("opening the root of " + what + " (" + dir + "): " + Errno.describe(Errno.last()));
    }
    return new RootFiles(fd, what);
  }

  /** The root of the running process {@code pid}, as it sees it. */
  public static RootFiles ofProcess(int pid, String what) throws IOException {
    return of(Path.of("/proc/" + pid + "/root"), what);
  }

  // ---- in ----

  /** Copies a host file, directory (recursively, with modes) or symlink to {@code dst} inside. */
  public void copyIn(Path src, String dst) throws IOException {
    if (Files.isSymbolicLink(src)) {
      String target = Files.readSymbolicLink(src).toString();
      int parent = ensureDirectory(parentOf(dst));
      try {
        if (LIBC.symlinkat(target, parent, nameOf(dst)) != 0) {
          throw failure("making symlink", dst);
        }
      } finally {
        LIBC.close(parent);
      }
    } else if (Files.isDirectory(src, LinkOption.NOFOLLOW_LINKS)) {
      LIBC.close(ensureDirectory(dst));
      chmodIn(dst, mode(src));
      List<Path> children;
      try (Stream<Path> s = Files.list(src)) {
        children = s.sorted().toList();
      }
      for (Path child : children) {
        copyIn(child, join(dst, child.getFileName().toString()));
      }
    } else {
      try (InputStream in = Files.newInputStream(src, LinkOption.NOFOLLOW_LINKS)) {
        write(in, mode(src), dst);
      }
    }
  }

  /** Writes {@code in} to the file {@code dst} inside (created with its parents, else truncated), with {@code mode}. */
  public void write(InputStream in, int mode, String dst) throws IOException {
    LIBC.close(ensureDirectory(parentOf(dst)));
    int fd = openat2(dst, O_WRONLY | O_CREAT | O_TRUNC, mode & 07777);
    if (fd < 0) {
      throw failure("creating", dst);
    }
    try {
      byte[] buf = new byte[65536];
      int n;
      while ((n = in.read(buf)) > 0) {
        for (int off = 0; off < n;) {
          byte[] chunk = off == 0 ? buf : java.util.Arrays.copyOfRange(buf, off, n);
          long w = LIBC.write(fd, chunk, n - off);
          if (w < 0) {
            throw failure("writing", dst);
          }
          off += (int) w;
        }
      }
      LIBC.fchmod(fd, mode & 07777); // exactly, whatever the umask made of it
    } finally {
      LIBC.close(fd);
    }
  }

  private void chmodIn(String path, int mode) throws IOException {
    int fd = openat2(path, O_DIRECTORY, 0);
    if (fd < 0) {
      throw failure("opening", path);
    }
    LIBC.fchmod(fd, mode & 07777);
    LIBC.close(fd);
  }

  /** The directory {@code dir} inside, made (0755) where missing; an O_PATH descriptor of it. */
  private int ensureDirectory(String dir) throws IOException {
    String done = "/";
    int fd = openat2(done, O_PATH | O_DIRECTORY, 0);
    for (String part : dir.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      String next = join(done, part);
      int child = openat2(next, O_PATH | O_DIRECTORY, 0);
      if (child < 0 && errno() == ENOENT) {
        if (LIBC.mkdirat(fd, part, 0755) != 0 && errno() != EEXIST) {
          int err = errno();
          LIBC.close(fd);
          throw new IOException("making directory " + next + " in " + what + ": " + Errno.describe(err));
        }
        child = openat2(next, O_PATH | O_DIRECTORY, 0);
      }
      if (child < 0) {
        int err = errno();
        LIBC.close(fd);
        throw new IOException("opening directory " + next + " in " + what + ": " + Errno.describe(err));
      }
      LIBC.close(fd);
      fd = child;
      done = next;
    }
    return fd;
  }

  // ---- out ----

  /** Copies {@code src} inside (a file, a symlink as a symlink, or a directory tree) to {@code dst} on the host. */
  public void copyOut(String src, Path dst) throws IOException {
    int fd = openat2(src, O_PATH | O_NOFOLLOW, 0);
    if (fd < 0) {
      throw failure("opening", src);
    }
    try {
      // stat through the descriptor's magic link is the object itself, a symlink included
      java.nio.file.attribute.PosixFileAttributes st = Files.readAttributes(Path.of("/proc/self/fd/" + fd),
          java.nio.file.attribute.PosixFileAttributes.class);
      if (st.isSymbolicLink()) {
        byte[] buf = new byte[4096];
        long n = LIBC.readlinkat(fd, "", buf, buf.length);
        if (n < 0) {
          throw failure("reading link", src);
        }
        Files.createSymbolicLink(dst, Path.of(new String(buf, 0, (int) n, StandardCharsets.UTF_8)));
      } else if (st.isDirectory()) {
        Files.createDirectories(dst);
        List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd/" + fd))) {
          s.forEach(p -> names.add(p.getFileName().toString()));
        }
        for (String name : names) {
          copyOut(join(src, name), dst.resolve(name));
        }
        Files.setPosixFilePermissions(dst, st.permissions());
      } else if (st.isRegularFile()) {
        int in = openat2(src, O_NOFOLLOW, 0);
        if (in < 0) {
          throw failure("opening", src);
        }
        try (var out = Files.newOutputStream(dst)) {
          byte[] buf = new byte[65536];
          long n;
          while ((n = LIBC.read(in, buf, buf.length)) > 0) {
            out.write(buf, 0, (int) n);
          }
          if (n < 0) {
            throw failure("reading", src);
          }
        } finally {
          LIBC.close(in);
        }
        Files.setPosixFilePermissions(dst, st.permissions());
      } // devices, fifos and sockets are not copied
    } finally {
      LIBC.close(fd);
    }
  }

  /** The file {@code path} inside (at most {@code max} bytes), or empty when it does not exist. */
  public java.util.Optional<byte[]> read(String path, int max) throws IOException {
    int fd = openat2(path, 0, 0);
    if (fd < 0) {
      if (errno() == ENOENT) {
        return java.util.Optional.empty();
      }
      throw failure("opening", path);
    }
    try {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      long n;
      while (out.size() < max && (n = LIBC.read(fd, buf, buf.length)) > 0) {
        out.write(buf, 0, (int) n);
      }
      return java.util.Optional.of(out.toByteArray());
    } finally {
      LIBC.close(fd);
    }
  }

  // ---- helpers ----

  private int openat2(String path, int flags, int mode) {
    byte[] p = path.getBytes(StandardCharsets.UTF_8);
    Pointer name = Memory.allocateDirect(FFI, p.length + 1);
    name.put(0, p, 0, p.length);
    name.putByte(p.length, (byte) 0);
    Pointer how = Memory.allocateDirect(FFI, 24);
    how.putLong(0, flags | O_CLOEXEC);
    how.putLong(8, mode);
    how.putLong(16, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
    long fd = LIBC.syscall(SYS_OPENAT2, rootFd, name.address(), how.address(), 24);
    return (int) fd;
  }

  private IOException failure(String doing, String path) {
    return new IOException(doing + " " + path + " in " + what + ": " + Errno.describe(errno()));
  }

  private static int errno() {
    return jnr.ffi.LastError.getLastError(FFI);
  }

  private static int mode(Path p) throws IOException {
    return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
  }


  static String parentOf(String path) {
    String p = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
    int i = p.lastIndexOf('/');
    return i <= 0 ? "/" : p.substring(0, i);
  }

  static String nameOf(String path) {
    String p = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
    return p.substring(p.lastIndexOf('/') + 1);
  }

  private static String join(String dir, String name) {
    return dir.endsWith("/") ? dir + name : dir + "/" + name;
  }

  @Override
  public void close() {
    LIBC.close(rootFd);
  }
}
