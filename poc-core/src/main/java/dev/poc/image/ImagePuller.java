package dev.poc.image;

import dev.poc.host.FileTrees;
import com.fasterxml.jackson.databind.JsonNode;
import dev.poc.PocException;
import dev.poc.Progress;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One pull: the manifest (through the index, for this platform), the configuration, then every
 * layer not in the store yet, downloaded and unpacked in parallel, each verified; the image's
 * record is written last, so a pull that fails leaves no image and nothing half-written.
 */
final class ImagePuller {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ImagePuller.class);
  private final ContentStore store;
  private final RegistryClient client;
  private final RegistrySettings settings;
  private final Platform platform;

  ImagePuller(ContentStore store, RegistrySettings settings, Platform platform) {
    this.store = store;
    this.settings = settings;
    this.client = new RegistryClient(settings);
    this.platform = platform;
  }

  /** What a pull did. */
  record Result(PulledImage image, int blobsDownloaded, long bytesDownloaded, java.nio.file.attribute.BasicFileAttributes record) {}

  Result pull(ImageReference ref, Progress progress) throws IOException {
    return pull(ref, ImageSource.registry(client, ref), ref.manifestReference(), progress);
  }

  /** Stores the image {@code reference} of {@code source} under the name {@code ref}. */
  Result pull(ImageReference ref, ImageSource source, String reference, Progress progress) throws IOException {
    String image = ref.familiar();
    long t0 = System.nanoTime();
    return store.locked(() -> {
      long tLocked = System.nanoTime();
      store.sweepIngest(); // we hold the lock: what is there was left by a pull that died
      long tSwept = System.nanoTime();
      try {
        Result r = pullLocked(ref, source, reference, image, progress);
        if (LOG.isDebugEnabled()) {
          LOG.debug("pulled {}: lock {} us, sweep {} us, the rest {} us", image, (tLocked - t0) / 1000, (tSwept - tLocked) / 1000,
              (System.nanoTime() - tSwept) / 1000);
        }
        return r;
      } catch (IOException | RuntimeException e) {
        try {
          store.sweepIngest(); // a partial blob or unpack is never kept
        } catch (IOException | RuntimeException cleanup) {
          e.addSuppressed(cleanup);
        }
        throw e;
      }
    });
  }

  private Result pullLocked(ImageReference ref, ImageSource source, String reference, String image, Progress progress)
      throws IOException {
    progress.step("pulling " + image + " (" + ref + ", " + platform + ")");
    RegistryClient.Fetched top = source.manifest(reference);
    if (ref.digest().isPresent() && !top.digest().equals(ref.digest().get())) {
      throw new ImagePullException("image " + image + ": " + top.endpoint() + " served a manifest with digest " + top.digest()
          + " for " + ref.digest().get() + ": the registry (or a mirror) serves wrong content; nothing was stored");
    }
    JsonNode doc = Manifests.tree(top.body(), "the manifest of " + image);
    String type = Manifests.mediaType(doc, top.mediaType());
    RegistryClient.Fetched chosen = top;
    if (MediaTypes.isIndex(type)) {
      Descriptor d = Manifests.pick(doc, platform, image);
      chosen = source.manifest(d.digest().toString());
      if (!chosen.digest().equals(d.digest())) {
        throw new ImagePullException("image " + image + ": the manifest for " + platform + " has digest " + chosen.digest()
            + ", not the " + d.digest() + " its index names: the registry serves wrong content; nothing was stored");
      }
      doc = Manifests.tree(chosen.body(), "the " + platform + " manifest of " + image);
      type = Manifests.mediaType(doc, chosen.mediaType());
    }
    if (!MediaTypes.isManifest(type)) {
      throw new ImagePullException("image " + image + " is a '" + type + "', not an image manifest poc can run");
    }
    Manifests.Manifest manifest = Manifests.manifest(doc, image);
    long tManifest = System.nanoTime();
    AtomicInteger blobs = new AtomicInteger();
    AtomicLong bytes = new AtomicLong();
    RegistryClient.Fetched endpoint = chosen;
    ImageSource from = source;
    if (!store.hasBlob(manifest.config().digest())) {
      download(from, endpoint, manifest.config(), "config", progress, blobs, bytes);
    }
    ImageConfig config = Manifests.config(store.read(manifest.config().digest()), image);
    long tConfig = System.nanoTime();
    List<Digest> diffIds = layers(from, endpoint, ref, manifest.layers(), progress, blobs, bytes);
    long tLayers = System.nanoTime();
    checkDiffIds(image, config, manifest, diffIds);
    store.put(chosen.body(), chosen.digest());
    long size = manifest.layers().stream().mapToLong(Descriptor::size).sum();
    PulledImage pulled = new PulledImage(ref.toString(), chosen.digest(), config, manifest.config().digest(),
        manifest.layers().stream().map(Descriptor::digest).toList(), size, Instant.now());
    java.nio.file.attribute.BasicFileAttributes record = store.putImage(pulled);
    if (LOG.isDebugEnabled()) {
      LOG.debug("stored {}: config {} us, layers {} us, manifest and record {} us", image, (tConfig - tManifest) / 1000,
          (tLayers - tConfig) / 1000, (System.nanoTime() - tLayers) / 1000);
    }
    progress.step("pulled " + image + ": " + chosen.digest() + " (" + blobs.get() + " blobs downloaded, "
        + (bytes.get() >> 10) + " KiB)");
    return new Result(pulled, blobs.get(), bytes.get(), record);
  }

  /** Downloads and unpacks the layers the store lacks, several at once; returns each one's diff id (null: unpacked before). */
  private List<Digest> layers(ImageSource from, RegistryClient.Fetched endpoint, ImageReference ref, List<Descriptor> layers, Progress progress,
                              AtomicInteger blobs, AtomicLong bytes) throws IOException {
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(settings.parallelDownloads(), Math.max(1, layers.size())), r -> {
      Thread t = new Thread(r, "poc-pull");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<Digest>> futures = new ArrayList<>();
      for (Descriptor layer : layers) {
        futures.add(pool.submit(() -> {
          if (store.hasLayer(layer.digest())) {
            progress.step("layer " + layer.digest().shortHex() + ": already here");
            return null;
          }
          if (!store.hasBlob(layer.digest())) {
            download(from, endpoint, layer, "layer", progress, blobs, bytes);
          }
          String what = "layer " + layer.digest() + " of image " + ref.familiar();
          Optional<Digest> diffId = store.unpack(layer.digest(), MediaTypes.compression(layer.mediaType()), what);
          progress.step("layer " + layer.digest().shortHex() + ": unpacked");
          return diffId.orElse(null);
        }));
      }
      List<Digest> ids = new ArrayList<>();
      for (Future<Digest> f : futures) {
        ids.add(await(f, ref));
      }
      return ids;
    } finally {
      pool.shutdownNow();
      try {
        // nothing may still write into the store once the lock is released
        pool.awaitTermination(5, java.util.concurrent.TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void download(ImageSource from, RegistryClient.Fetched endpoint, Descriptor d, String kind, Progress progress,
                        AtomicInteger blobs, AtomicLong bytes) throws IOException {
    java.nio.file.Path partial = store.ingest(d.digest());
    long[] lastShown = {0};
    String label = kind + " " + d.digest().shortHex();
    Digest actual = from.blob(endpoint, d, partial, done -> {
      if (done - lastShown[0] >= (4 << 20)) {
        lastShown[0] = done;
        progress.step(label + ": " + (done >> 10) + " / " + (d.size() >> 10) + " KiB");
      }
    });
    store.commit(partial, d.digest(), actual);
    blobs.incrementAndGet();
    bytes.addAndGet(d.size());
    progress.step(label + ": downloaded " + (d.size() >> 10) + " KiB");
  }

  private static Digest await(Future<Digest> f, ImageReference ref) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while pulling " + ref.familiar());
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof PocException pe) {
        throw pe;
      }
      if (c instanceof IOException io) {
        throw io;
      }
      throw new ImagePullException("pulling " + ref.familiar() + " failed: " + c, c);
    }
  }

  /** A layer whose content is not what the configuration says is refused, and its directory removed. */
  private void checkDiffIds(String image, ImageConfig config, Manifests.Manifest manifest, List<Digest> diffIds) throws IOException {
    if (config.diffIds().size() != manifest.layers().size()) {
      throw new ImagePullException("image " + image + ": its configuration lists " + config.diffIds().size()
          + " layers, its manifest " + manifest.layers().size() + ": the image is broken");
    }
    for (int i = 0; i < diffIds.size(); i++) {
      Digest got = diffIds.get(i);
      if (got != null && !got.toString().equals(config.diffIds().get(i))) {
        Digest blob = manifest.layers().get(i).digest();
        FileTrees.delete(store.layer(blob));
        throw new ImagePullException("image " + image + ": layer " + blob + " unpacks to " + got + ", not the "
            + config.diffIds().get(i) + " its configuration names: the image is broken; nothing was stored");
      }
    }
  }
}
