package dev.poc.storage;

import dev.poc.InvalidSpecException;
import dev.poc.NotFoundException;
import dev.poc.PocException;
import dev.poc.Progress;
import dev.poc.host.LibC;
import dev.poc.host.Mounts;
import dev.poc.host.Tool;
import dev.poc.internal.Sizes;
import dev.poc.launch.Release;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One container's persistent disk: a sparse ext4 image ({@code disk.img}) and the host directory
 * it is mounted on ({@code mnt}), which holds the overlay's {@code upper} and {@code work}
 * directories. Callers hold the disk's in-use lock ({@link #lockFile()}) around every call that
 * mounts or unmounts.
 */
public final class Disk {
  private static final Logger LOG = LoggerFactory.getLogger(Disk.class);
  /** Below this ext4 has no room for a journal and a useful root. */
  static final long MIN_BYTES = 16L << 20;
  /** ext4's limit with 64-bit block numbers and 4 KiB blocks: 1 EiB. */
  static final long MAX_BYTES = 1L << 60;
  private static final Tool MKFS = new Tool("mkfs.ext4", "apt-get install e2fsprogs");
  private static final long DETACH_WAIT_MS = 5_000;

  private final String name;
  private final Path dir;

  public Disk(String name, Path dir) {
    this.name = name;
    this.dir = dir;
  }

  /** Bytes in a disk size such as {@code 20G} (K/M/G/T, binary units), checked against ext4's limits. */
  public static long parseSize(String text) {
    if (text != null && text.trim().startsWith("-")) {
      throw new InvalidSpecException("disk size '" + text + "' is negative: write a size such as 20G");
    }
    long bytes = Sizes.parse(text, "disk size");
    if (bytes < MIN_BYTES) {
      throw new InvalidSpecException("disk size '" + text + "' is below 16M, too small for an ext4 root: ask for at least 16M");
    }
    if (bytes > MAX_BYTES) {
      throw new InvalidSpecException("disk size '" + text + "' is larger than ext4 allows (1 EiB): ask for at most 1048576T");
    }
    return bytes;
  }

  String name() {
    return name;
  }

  public Path dir() {
    return dir;
  }

  public Path image() {
    return dir.resolve("disk.img");
  }

  Path mountPoint() {
    return dir.resolve("mnt");
  }

  Path upper() {
    return mountPoint().resolve("upper");
  }

  Path work() {
    return mountPoint().resolve("work");
  }

  /** Held while the disk is built, mounted for a container, or removed. */
  public Path lockFile() {
    return dir.resolve("in-use.lock");
  }

  /**
   * Makes the image: a sparse file of {@code bytes} (nothing is written but ext4's metadata, so
   * 1T costs what 1G does), formatted with lazily initialised inode tables and journal, then mounted.
   */
  void create(long bytes) throws IOException {
    Files.createDirectories(dir);
    try (RandomAccessFile f = new RandomAccessFile(image().toFile(), "rw")) {
      f.setLength(bytes);
    } catch (IOException e) {
      if (!String.valueOf(e.getMessage()).contains("File too large")) {
        throw e;
      }
      throw new InvalidSpecException("disk size of '" + name + "' (" + bytes + " bytes) does not fit in one file on the file system of "
          + dir + " (" + e.getMessage() + "): ask for less, or put the state root on a file system that allows larger files");
    }
    // No resize_inode: poc never grows a disk, and its reserved descriptor blocks are what made a
    // 20G build three times slower than a 1G one (and allocate 4 MiB more on the host).
    MKFS.run("formatting the disk of '" + name + "'",
        List.of("-q", "-F", "-m", "0", "-O", "^resize_inode", "-E", "lazy_itable_init=1,lazy_journal_init=1,nodiscard",
            image().toString()),
        Progress.none());
    ensureMounted();
  }

  boolean isMounted() throws IOException {
    return Mounts.at(mountPoint()).isPresent();
  }

  /** Mounts the image on {@link #mountPoint()} unless it is already (after a reboot or an unmount). */
  void ensureMounted() throws IOException {
    Optional<Mounts.Entry> mounted = Mounts.at(mountPoint());
    if (mounted.isPresent()) {
      if (!mounted.get().fsType().equals("ext4")) {
        throw new PocException("disk of '" + name + "': " + mounted.get().fsType() + " from " + mounted.get().source()
            + " is mounted on " + mountPoint() + " instead of its image: unmount it");
      }
    } else {
      mount();
    }
    Files.createDirectories(upper());
    Files.createDirectories(work());
  }

  private void mount() throws IOException {
    if (!Files.isRegularFile(image())) {
      throw new NotFoundException("the disk image " + image() + " of '" + name
          + "' is missing: remove the container (poc rm " + name + ") and build it again");
    }
    Files.createDirectories(mountPoint());
    // A device still attached to the image (its mount lives on in some namespace) must be reused:
    // two loop devices over one ext4 image would be two file systems writing the same blocks.
    Optional<String> attached = LoopDevice.find(image());
    if (attached.isPresent()) {
      try {
        Mounts.mount(attached.get(), mountPoint(), "ext4", LibC.MS_NODEV | LibC.MS_NOSUID, "noinit_itable");
        return;
      } catch (IOException e) {
        if (LoopDevice.find(image()).isPresent()) {
          throw e;
        }
        // it detached meanwhile: attach afresh below
      }
    }
    try (LoopDevice loop = LoopDevice.attach(image())) {
      Mounts.mount(loop.device(), mountPoint(), "ext4", LibC.MS_NODEV | LibC.MS_NOSUID, "noinit_itable");
    } catch (IOException e) {
      throw new PocException("mounting the disk of '" + name + "' failed: " + e.getMessage(), e);
    }
  }

  /** Unmounts the image; its loop device detaches with the mount. */
  void unmount() throws IOException {
    for (int i = 0; i < 8 && isMounted(); i++) { // mounts may be stacked
      Mounts.unmount(mountPoint());
    }
    long deadline = System.currentTimeMillis() + DETACH_WAIT_MS;
    while (LoopDevice.find(image()).isPresent()) { // autoclear runs asynchronously
      if (System.currentTimeMillis() > deadline) {
        LOG.warn("the loop device of {} is still attached: a mount in another namespace holds it; it detaches when that ends", image());
        return;
      }
      sleep(20);
    }
  }

  /** Unmounts and deletes the image, the mount point and the lock file. */
  void delete() throws IOException {
    if (Files.exists(dir)) {
      unmount();
      Release.deleteTree(dir);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "disk " + name;
  }
}
