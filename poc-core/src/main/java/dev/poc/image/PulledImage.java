package dev.poc.image;

import java.time.Instant;
import java.util.List;

/**
 * An image in the local store: the name it was pulled (or imported) as, the manifest it resolved
 * to, its configuration and its layers (bottom first), each unpacked once and shared.
 *
 * @param name the full reference, e.g. {@code docker.io/library/busybox:1.36}
 * @param manifest the digest of the platform's manifest
 * @param config the image's run-time defaults
 * @param configDigest the digest of the configuration blob (the image id)
 * @param layers the layer blobs' digests, bottom first
 * @param size the compressed size of the layers, in bytes
 * @param pulled when it was stored
 */
public record PulledImage(String name, Digest manifest, ImageConfig config, Digest configDigest, List<Digest> layers,
                          long size, Instant pulled) {
  /** What {@code poc images} shows of it. */
  @Override
  public String toString() {
    return name + " (" + configDigest.shortHex() + ", " + layers.size() + " layers, " + (size >> 10) + " KiB)";
  }
}
