package dev.poc.storage;

import dev.poc.host.Errno;
import dev.poc.host.LibC;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * A loop device over a disk image, attached with LOOP_CONFIGURE and the autoclear flag: the kernel
 * detaches it when its last user (the mount) goes, so it can never outlive the mount.
 */
final class LoopDevice implements AutoCloseable {
  private static final long LOOP_CTL_GET_FREE = 0x4C82;
  private static final long LOOP_CONFIGURE = 0x4C0A;
  private static final int LO_FLAGS_AUTOCLEAR = 4;
  /** struct loop_config: fd, block_size, struct loop_info64 (232 bytes), 64 reserved bytes. */
  private static final int CONFIG_SIZE = 304;
  private static final int FLAGS_OFFSET = 8 + 52;
  private static final int FILE_NAME_OFFSET = 8 + 56;
  private static final int FILE_NAME_SIZE = 64;
  private static final int ATTEMPTS = 20;
  private static final Path SYS_BLOCK = Path.of("/sys/block");

  private final String device;
  private int fd;

  private LoopDevice(String device, int fd) {
    this.device = device;
    this.fd = fd;
  }

  /** The device path, e.g. /dev/loop3. */
  String device() {
    return device;
  }

  /**
   * Attaches {@code image} to a free loop device. The returned handle keeps the device attached
   * until it is closed; mount it before closing, after which the mount alone keeps it.
   */
  static LoopDevice attach(Path image) throws IOException {
    LibC.Functions libc = LibC.get();
    int control = libc.open("/dev/loop-control", LibC.O_RDWR | LibC.O_CLOEXEC);
    if (control < 0) {
      throw new IOException("opening /dev/loop-control: " + Errno.describe(Errno.last())
          + ": load the loop module (modprobe loop)");
    }
    int backing = libc.open(image.toString(), LibC.O_RDWR | LibC.O_CLOEXEC);
    if (backing < 0) {
      libc.close(control);
      throw new IOException("opening disk image " + image + ": " + Errno.describe(Errno.last()));
    }
    try {
      for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        int n = libc.ioctl(control, LOOP_CTL_GET_FREE, 0L);
        if (n < 0) {
          throw new IOException("finding a free loop device: " + Errno.describe(Errno.last()));
        }
        String device = "/dev/loop" + n;
        int loop = libc.open(device, LibC.O_RDWR | LibC.O_CLOEXEC);
        if (loop < 0) {
          continue; // taken and removed meanwhile
        }
        if (libc.ioctl(loop, LOOP_CONFIGURE, config(backing, image)) == 0) {
          return new LoopDevice(device, loop);
        }
        int errno = Errno.last();
        libc.close(loop);
        if (errno != Errno.EBUSY) {
          throw new IOException("attaching " + image + " to " + device + " (LOOP_CONFIGURE): " + Errno.describe(errno)
              + (errno == Errno.EINVAL || errno == 25 ? ": poc needs Linux 5.8 or newer" : ""));
        }
        // another process configured it between GET_FREE and ours: ask again
      }
      throw new IOException("attaching " + image + ": no loop device stayed free in " + ATTEMPTS + " attempts");
    } finally {
      libc.close(backing); // the loop device holds its own reference
      libc.close(control);
    }
  }

  private static Pointer config(int backingFd, Path image) {
    Pointer p = Memory.allocateDirect(LibC.runtime(), CONFIG_SIZE, true);
    p.putInt(0, backingFd);
    p.putInt(FLAGS_OFFSET, LO_FLAGS_AUTOCLEAR);
    byte[] name = image.toString().getBytes(StandardCharsets.UTF_8);
    p.put(FILE_NAME_OFFSET, name, 0, Math.min(name.length, FILE_NAME_SIZE - 1));
    return p;
  }

  /** The attached loop device whose backing file is {@code image}, if there is one. */
  static Optional<String> find(Path image) throws IOException {
    if (!Files.isDirectory(SYS_BLOCK)) {
      return Optional.empty();
    }
    try (DirectoryStream<Path> devices = Files.newDirectoryStream(SYS_BLOCK, "loop*")) {
      for (Path dev : devices) {
        Path backing = dev.resolve("loop/backing_file");
        try {
          if (Files.readString(backing).trim().equals(image.toString())) {
            return Optional.of("/dev/" + dev.getFileName());
          }
        } catch (IOException e) {
          // not attached, or detached while we looked
        }
      }
    }
    return Optional.empty();
  }

  /** Drops this handle's reference; an unused autoclear device detaches now. */
  @Override
  public void close() {
    if (fd >= 0) {
      LibC.get().close(fd);
      fd = -1;
    }
  }
}
