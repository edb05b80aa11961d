package dev.poc.image;

import dev.poc.NotFoundException;
import dev.poc.PocException;
import dev.poc.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The images pulled from registries into one state root ({@code STATE/oci}), by name: pull,
 * list, remove, and sweep the layers no image uses. Get it from
 * {@link dev.poc.ContainerRuntime#registryImages()}.
 *
 * <pre>{@code
 * RegistryImages images = runtime.registryImages();
 * images.pull("busybox:1.36", Progress.printingTo(System.out));
 * runtime.container().name("b").rootfs(Rootfs.image("busybox:1.36")).start();
 * }</pre>
 *
 * <p>Safe from several threads and JVMs at once: pulls, removals and sweeps of one store take
 * turns, and a layer a running container uses is never removed.
 */
public final class RegistryImages {
  private final ContentStore store;
  private final RegistrySettings settings;
  private final Platform platform;
  private final ConcurrentHashMap<String, String> canonicalNames = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Resolved> resolved = new ConcurrentHashMap<>();
  private final OverlaySpares spares;

  /** The store under {@code stateRoot}/oci, pulling with {@code settings} for this machine's platform. */
  public RegistryImages(Path stateRoot, RegistrySettings settings) {
    this(stateRoot, settings, Platform.host());
  }

  /** As {@link #RegistryImages(Path, RegistrySettings)}, for {@code platform}. */
  public RegistryImages(Path stateRoot, RegistrySettings settings, Platform platform) {
    this.store = new ContentStore(stateRoot.resolve("oci"));
    this.settings = settings;
    this.platform = platform;
    this.spares = new OverlaySpares(this, store);
  }

  /** The overlays prepared ahead for the next start of each image. */
  OverlaySpares spares() {
    return spares;
  }

  /**
   * Lets go of the overlays prepared ahead for the next start of the images started here (their
   * directories, pins and detached mounts) and waits for the releases under way.
   * {@link dev.poc.ContainerRuntime#close()} calls it; a later start prepares again.
   */
  public void releaseSpares() {
    spares.discardAll();
  }

  /** What a pull did: the image, and how many blobs and bytes it downloaded (0 when all were here). */
  public record PullResult(PulledImage image, int blobsDownloaded, long bytesDownloaded) {}

  /** What a sweep removed. */
  public record SweepResult(int layersRemoved, int blobsRemoved, long bytesFreed) {}

  /** Pulls {@code name} ({@code [registry/]repo[:tag|@digest]}), asking the registry even when it is here. */
  public PullResult pull(String name) {
    return pull(name, Progress.none());
  }

  /** As {@link #pull(String)}, reporting each step and the bytes of each layer to {@code progress}. */
  public PullResult pull(String name, Progress progress) {
    ImageReference ref = ImageReference.parse(name);
    try {
      ImagePuller.Result r = new ImagePuller(store, settings, platform).pull(ref, progress);
      remember(r);
      return new PullResult(r.image(), r.blobsDownloaded(), r.bytesDownloaded());
    } catch (IOException e) {
      throw failed("pulling " + ref.familiar(), e);
    }
  }

  /**
   * Stores an image from a file as {@code name}: an OCI image layout (a directory, or a tar of one)
   * or a {@code docker save} archive. The archive's image is the one whose tag or name
   * {@code name} gives, or its only one. Blobs are verified and layers unpacked as in a pull.
   */
  public PullResult importArchive(Path path, String name, Progress progress) {
    ImageReference ref = ImageReference.parse(name);
    Path abs = path.toAbsolutePath().normalize();
    try (ContentStore.Scratch held = store.importScratch()) {
      Path scratch = held.dir();
      Path dir = abs;
      if (!Files.isDirectory(abs)) {
        if (!Files.isRegularFile(abs)) {
          throw new NotFoundException("image archive " + abs + " does not exist: give a docker save tar or an OCI layout");
        }
        dir = Files.createDirectories(scratch.resolve("unpacked"));
        progress.step("unpacking " + abs);
        ArchiveImport.untar(abs, dir);
      }
      ArchiveImport.Source source = ArchiveImport.open(dir, scratch.resolve("made"), abs.toString());
      String tag = source.pick(ref, abs.toString());
      ImagePuller.Result r = new ImagePuller(store, settings, platform).pull(ref, source.source(), tag, progress);
      remember(r);
      return new PullResult(r.image(), r.blobsDownloaded(), r.bytesDownloaded());
    } catch (IOException e) {
      throw failed("importing " + abs + " as " + ref.familiar(), e);
    }
  }

  /** The image {@code name} from the store, pulled first only when it is not there (Testcontainers' default). */
  public PulledImage ensure(String name, Progress progress) {
    return find(name).orElseGet(() -> pull(name, progress).image());
  }

  /**
   * The image stored as {@code name}, if any. Each start on an image asks this, so the parsed
   * record (and its configuration) is kept per name while its file is the same one (an atomic
   * rename of a new record changes its inode and time): a start costs one stat, no JSON.
   */
  public Optional<PulledImage> find(String name) {
    String key = canonicalNames.computeIfAbsent(name, n -> ImageReference.parse(n).toString());
    try {
      Optional<BasicFileAttributes> attrs = store.recordAttributes(key);
      if (attrs.isEmpty()) {
        resolved.remove(key);
        return Optional.empty();
      }
      Resolved known = resolved.get(key);
      if (known != null && known.sameFile(attrs.get())) {
        return Optional.of(known.image());
      }
      // read after the stat: a record replaced in between is cached under the older attributes,
      // which the next stat no longer matches, so it is read again (never a stale one kept)
      Optional<PulledImage> image = store.image(key);
      image.ifPresent(i -> resolved.put(key, new Resolved(attrs.get().fileKey(), attrs.get().lastModifiedTime(), attrs.get().size(), i)));
      return image;
    } catch (IOException e) {
      throw failed("reading image " + ImageReference.parse(name).familiar(), e);
    }
  }

  /**
   * Keeps the image a pull just stored as the parsed record of its name, so that the first start
   * on it reads neither the record nor the configuration back. Keyed by the attributes of the
   * record this pull wrote: a newer record (another pull's) has others, and is read at the next find.
   */
  private void remember(ImagePuller.Result r) {
    String name = r.image().name();
    canonicalNames.putIfAbsent(name, name);
    resolved.put(name, new Resolved(r.record().fileKey(), r.record().lastModifiedTime(), r.record().size(), r.image()));
  }

  /** A parsed image record, and the identity of the file it was read from. */
  private record Resolved(Object fileKey, FileTime modified, long size, PulledImage image) {
    boolean sameFile(BasicFileAttributes a) {
      return java.util.Objects.equals(fileKey, a.fileKey()) && modified.equals(a.lastModifiedTime()) && size == a.size();
    }
  }

  /** The stored images, by name. */
  public List<PulledImage> list() {
    try {
      return store.images();
    } catch (IOException e) {
      throw failed("listing images", e);
    }
  }

  /** Forgets image {@code name} and removes the layers nothing else uses ({@code poc rmi}); refused while a disk lies over it. */
  public SweepResult remove(String name) {
    ImageReference ref = ImageReference.parse(name);
    spares.discardAll(); // their pins would keep the image's layers
    try {
      boolean removed = store.locked(() -> {
        List<String> disks = store.disksOver(ref.toString());
        if (!disks.isEmpty()) {
          throw new dev.poc.NameInUseException("image " + ref.familiar() + " lies under the disk of container(s) "
              + String.join(", ", disks) + ": remove them first (poc rm NAME)");
        }
        return store.removeImage(ref.toString());
      });
      if (!removed) {
        throw new NotFoundException("image " + ref.familiar() + " is not in " + store.root() + ": poc images lists them");
      }
      return sweep();
    } catch (IOException e) {
      throw failed("removing image " + ref.familiar(), e);
    }
  }

  /** Removes every blob and layer that no image and no running container uses, and leftovers of failed pulls. */
  public SweepResult sweep() {
    spares.discardAll(); // what this JVM prepared ahead pins layers no container uses
    try {
      ContentStore.Swept s = store.gc();
      return new SweepResult(s.layers().size(), s.blobs().size(), s.bytes());
    } catch (IOException e) {
      throw failed("sweeping " + store.root(), e);
    }
  }

  /** Removes the whole store directory when it holds no image and no container uses a layer of it (prune). */
  public void removeStoreIfUnused() {
    spares.discardAll();
    try {
      store.removeIfUnused();
    } catch (IOException e) {
      throw failed("removing " + store.root(), e);
    }
  }

  /**
   * For poc's image rootfs: the layer directories of {@code image}, top first (overlay's
   * {@code lowerdir} order), held for {@code owner} until the returned hold is closed.
   */
  public Hold hold(String owner, PulledImage image) {
    try {
      return store.locked(() -> {
        List<Path> dirs = new ArrayList<>();
        for (Digest l : image.layers()) {
          if (!store.hasLayer(l)) {
            throw new ImagePullException("image " + image.name() + ": layer " + l + " is missing from " + store.root()
                + ": pull the image again (poc pull " + image.name() + ")");
          }
          dirs.add(0, store.layer(l));
        }
        return new Hold(dirs, store.pin(owner, image.layers()));
      });
    } catch (IOException e) {
      throw failed("holding the layers of " + image.name(), e);
    }
  }

  /** For poc's image rootfs: the layer directories of {@code image}, top first (to read its /etc/passwd). */
  public List<Path> layerDirsTopFirst(PulledImage image) {
    List<Path> dirs = new ArrayList<>();
    for (Digest l : image.layers()) {
      dirs.add(0, store.layer(l));
    }
    return dirs;
  }

  /** Layer directories kept for a container; closing lets a sweep remove them. */
  public static final class Hold implements AutoCloseable {
    private final List<Path> layersTopFirst;
    private final ContentStore.Pin pin;

    Hold(List<Path> layersTopFirst, ContentStore.Pin pin) {
      this.layersTopFirst = List.copyOf(layersTopFirst);
      this.pin = pin;
    }

    /** The layer directories, top first. */
    public List<Path> layersTopFirst() {
      return layersTopFirst;
    }

    /** The name of the pin file behind this hold (unique in the store). */
    String pinName() {
      return pin.name();
    }

    /**
     * Lists the held layers in the run directory {@code runDir}, which sweeps read: a detached
     * container keeps its layers after this JVM (and so this hold) is gone.
     */
    public void recordIn(Path runDir) throws IOException {
      List<String> lines = new ArrayList<>();
      pin.layers().forEach(l -> lines.add(l.toString()));
      Files.write(runDir.resolve(ContentStore.RUN_LAYERS), lines);
    }

    @Override
    public void close() {
      pin.close();
    }
  }

  /** The settings pulls use. */
  public RegistrySettings settings() {
    return settings;
  }

  private PocException failed(String what, IOException e) {
    String msg = String.valueOf(e.getMessage());
    String remedy = msg.contains("No space left") ? ": free space under " + store.root() + " and try again"
        : ": nothing half-written was kept; try again";
    return new ImagePullException(what + " failed: " + msg + remedy, e);
  }
}
