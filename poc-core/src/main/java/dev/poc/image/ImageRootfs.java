package dev.poc.image;

import dev.poc.ContainerRuntime;
import dev.poc.ContainerSpec;
import dev.poc.InvalidSpecException;
import dev.poc.Progress;
import dev.poc.launch.StartProfile;
import dev.poc.spi.Attachment;
import dev.poc.spi.RootfsStrategy;
import dev.poc.spi.StartContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * An image pulled by name, as the root ({@link dev.poc.Rootfs#image(String)}): an overlay whose
 * lower layers are the image's layers, shared read-only with every container of the image, and
 * whose upper layer is private to this run (a directory in the run directory, removed with it, or
 * a tmpfs of its own: {@link #withUpperOnTmpfs(long)}).
 * The overlay is mounted by poc-init in the container's own mount namespace, so nothing of it
 * stays on the host.
 */
public final class ImageRootfs implements RootfsStrategy {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ImageRootfs.class);
  static final boolean VOLATILE = kernelAtLeast(5, 10);
  private final String name;
  private final Optional<List<String>> entrypoint;
  private final PulledImage resolved; // null until a start resolves the name
  private final long upperTmpfsBytes; // 0: the upper is a directory in the run directory

  /** {@code entrypoint}: replaces the image's when present; {@code resolved}: the stored image, when known. */
  public ImageRootfs(String name, Optional<List<String>> entrypoint, PulledImage resolved) {
    this(name, entrypoint, resolved, 0);
  }

  private ImageRootfs(String name, Optional<List<String>> entrypoint, PulledImage resolved, long upperTmpfsBytes) {
    ImageReference.parse(name);
    this.name = name;
    this.entrypoint = entrypoint;
    this.resolved = resolved;
    this.upperTmpfsBytes = upperTmpfsBytes;
  }

  /**
   * This root with its upper layer on a tmpfs of at most {@code bytes}, mounted in the container's
   * own mount namespace: what the container writes stays in memory (counted against that size, not
   * the disk) and nothing of it is ever on the host's file systems.
   */
  public ImageRootfs withUpperOnTmpfs(long bytes) {
    if (bytes < 4096) {
      throw new InvalidSpecException("the tmpfs size of image " + name + "'s upper layer is " + bytes
          + " bytes: give at least 4K, e.g. upperOnTmpfs(\"256M\")");
    }
    return new ImageRootfs(name, entrypoint, resolved, bytes);
  }

  /** The size of the tmpfs the upper layer is on, or empty when it is a directory in the run directory. */
  public java.util.OptionalLong upperTmpfsBytes() {
    return upperTmpfsBytes > 0 ? java.util.OptionalLong.of(upperTmpfsBytes) : java.util.OptionalLong.empty();
  }

  @Override
  public boolean providesCommand() {
    return true;
  }

  /** Pulls the image when the store lacks it, and fills what the spec leaves open from its configuration. */
  @Override
  public ContainerSpec complete(ContainerSpec spec, ContainerRuntime runtime) throws IOException {
    long t0 = System.nanoTime();
    RegistryImages images = runtime.registryImages();
    PulledImage image = resolved != null ? resolved : images.ensure(name, Progress.none());
    long t1 = System.nanoTime();
    StartProfile.mark(spec.name(), "image resolved");
    ContainerSpec done = ImageDefaults.apply(spec, new ImageRootfs(name, entrypoint, image, upperTmpfsBytes), image, entrypoint,
        images.layerDirsTopFirst(image));
    if (LOG.isDebugEnabled()) {
      LOG.debug("completed {}: resolve {} us, defaults {} us", spec.name(), (t1 - t0) / 1000, (System.nanoTime() - t1) / 1000);
    }
    return done;
  }

  @Override
  public Attachment prepare(StartContext ctx) throws IOException {
    RegistryImages images = ctx.runtime().registryImages();
    PulledImage image = resolved != null ? resolved : images.ensure(name, Progress.none());
    // a container with a user namespace of its own mounts its overlay inside it, as its init: one
    // made ahead (the host root's, its work directory marked by that mount) is not for it
    boolean tmpfs = upperTmpfsBytes > 0;
    boolean spares = !ctx.spec().detached() && (tmpfs || !(OverlaySpares.mountsAhead() && ctx.fact(dev.poc.spi.IdMapping.class) != null));
    if (spares) {
      Optional<OverlaySpares.Spare> spare = images.spares().take(image, tmpfs);
      if (spare.isPresent()) {
        return onSpare(ctx, images.spares(), image, spare.get());
      }
    }
    long t0 = System.nanoTime();
    RegistryImages.Hold hold = images.hold(ctx.name(), image);
    try {
      long t1 = System.nanoTime();
      StartProfile.mark(ctx.name(), "image layers held");
      if (ctx.spec().detached()) {
        // a detached container outlives this JVM and so the hold's lock: sweeps read its run
        // directory instead. An attached one dies with the JVM, so the hold covers all its life
        // (and a start skips the write)
        hold.recordIn(ctx.runDir());
      }
      long t2 = System.nanoTime();
      Path upper;
      Path work;
      if (upperTmpfsBytes > 0) {
        // poc-init mounts the tmpfs on this empty directory in the container's namespace and makes
        // upper/ and work/ in it: the host's directory stays empty
        Path mem = Files.createDirectories(ctx.runDir().resolve("upper-tmpfs"));
        ctx.plan().upperTmpfs(mem, "size=" + upperTmpfsBytes + ",mode=0700");
        upper = mem.resolve("upper");
        work = mem.resolve("work");
      } else {
        upper = Files.createDirectories(ctx.runDir().resolve("upper"));
        work = Files.createDirectories(ctx.runDir().resolve("work"));
      }
      String options = overlayOptions(hold.layersTopFirst(), upper, work);
      ctx.plan().rootOverlay(Files.createDirectories(ctx.runDir().resolve("root")), options, "nodev");
      StartProfile.mark(ctx.name(), "image directories made");
      if (LOG.isDebugEnabled()) {
        LOG.debug("prepared {}: hold {} us, record {} us, directories {} us", ctx.name(), (t1 - t0) / 1000, (t2 - t1) / 1000,
            (System.nanoTime() - t2) / 1000);
      }
      if (!spares) {
        return hold::close;
      }
      return once(() -> {
        hold.close();
        images.spares().ended(image, tmpfs, null);
      });
    } catch (IOException | RuntimeException e) {
      hold.close();
      throw e;
    }
  }

  /**
   * The root on an overlay prepared ahead ({@link OverlaySpares}): its layers are held already and
   * its directories made; mounted already too, when the init only has to move the mount in place.
   * Its release (the mount let go, the upper deleted) is done in the background.
   */
  private Attachment onSpare(StartContext ctx, OverlaySpares spares, PulledImage image, OverlaySpares.Spare spare) {
    try {
      StartProfile.mark(ctx.name(), "image layers held");
      if (upperTmpfsBytes > 0) {
        ctx.plan().upperTmpfs(spare.upperTmpfs(), "size=" + upperTmpfsBytes + ",mode=0700");
        ctx.plan().rootOverlay(spare.root(), overlayOptions(spare.hold().layersTopFirst(), spare.upperTmpfs().resolve("upper"),
            spare.upperTmpfs().resolve("work")), "nodev");
      } else if (spare.mountFd() >= 0) {
        ctx.plan().rootMoved(spare.root(), spare.mountSource(), "nodev");
      } else {
        ctx.plan().rootOverlay(spare.root(), overlayOptions(spare.hold().layersTopFirst(), spare.upper(), spare.work()), "nodev");
      }
      StartProfile.mark(ctx.name(), "image directories made");
    } catch (RuntimeException e) {
      spares.release(spare);
      throw e;
    }
    return once(() -> spares.ended(image, upperTmpfsBytes > 0, spare));
  }

  /** An attachment that releases once, however often it is closed (a second close of a spare would close a descriptor twice). */
  private static Attachment once(Runnable release) {
    java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
    return () -> {
      if (done.compareAndSet(false, true)) {
        release.run();
      }
    };
  }

  private String overlayOptions(List<Path> layersTopFirst, Path upper, Path work) {
    String lower = layersTopFirst.stream().map(ImageRootfs::overlayPath).collect(Collectors.joining(":"));
    // volatile (Linux 5.10+): the upper is thrown away with the run, so overlayfs need not sync
    // the whole file system under it when the container's mount namespace goes
    String options = "lowerdir=" + lower + ",upperdir=" + overlayPath(upper) + ",workdir=" + overlayPath(work)
        + (VOLATILE ? ",volatile" : "")
        // rootless: the layers mark opaque directories with user.* attributes (see LayerUnpacker)
        + (LayerUnpacker.ROOTLESS ? ",userxattr" : "");
    if (options.length() > 4000) {
      throw new InvalidSpecException("image " + name + " has " + layersTopFirst.size()
          + " layers, more than one overlay mount option can name: use a state root with a shorter path");
    }
    return options;
  }

  private static boolean kernelAtLeast(int major, int minor) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)").matcher(System.getProperty("os.version", ""));
    if (!m.find()) {
      return false;
    }
    int ma = Integer.parseInt(m.group(1));
    return ma > major || (ma == major && Integer.parseInt(m.group(2)) >= minor);
  }

  /** overlayfs splits its options at ',' and lower directories at ':'; such paths cannot be given. */
  static String overlayPath(Path p) {
    String s = p.toString();
    if (s.indexOf(',') >= 0 || s.indexOf(':') >= 0 || s.indexOf('\\') >= 0) {
      throw new InvalidSpecException("path " + s + " contains ',', ':' or '\\', which overlayfs options cannot carry: "
          + "choose a state root without them");
    }
    return s;
  }

  @Override
  public String toString() {
    return "image " + ImageReference.parse(name).familiar() + (upperTmpfsBytes > 0 ? " (upper on tmpfs)" : "");
  }
}
