package dev.poc.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.function.LongConsumer;

/** Where a pull reads manifests and blobs: a registry (through its mirrors), or a local archive or layout. */
interface ImageSource {

  /** The manifest or index {@code reference} (a tag or a digest) names. */
  RegistryClient.Fetched manifest(String reference) throws IOException;

  /**
   * Writes blob {@code d} to {@code target}, reporting the bytes so far, and returns the digest of
   * what it wrote, computed on the way (the caller compares it with {@code d}'s).
   */
  Digest blob(RegistryClient.Fetched from, Descriptor d, Path target, LongConsumer bytes) throws IOException;

  /** A registry: each blob from the endpoint that served the manifest. */
  static ImageSource registry(RegistryClient client, ImageReference ref) {
    return new ImageSource() {
      @Override
      public RegistryClient.Fetched manifest(String reference) {
        return client.manifest(ref, reference);
      }

      @Override
      public Digest blob(RegistryClient.Fetched from, Descriptor d, Path target, LongConsumer bytes) throws IOException {
        return client.blob(from.endpoint(), ref, d.digest(), d.size(), target, bytes);
      }
    };
  }

  /**
   * Files on this machine: blobs by digest ({@code blobs}), and manifests by tag ({@code tags}).
   * {@code where} names the archive or layout in messages.
   */
  static ImageSource files(String where, Map<String, Path> tags, java.util.function.Function<Digest, Path> blobs,
                           String mediaTypeOfTags) {
    URI uri = URI.create("file:///" + where.replace(' ', '_'));
    return new ImageSource() {
      @Override
      public RegistryClient.Fetched manifest(String reference) throws IOException {
        Path file = reference.startsWith("sha256:") ? blobs.apply(Digest.parse(reference)) : tags.get(reference);
        if (file == null || !Files.isRegularFile(file)) {
          throw new dev.poc.NotFoundException(where + " has no image '" + reference + "' (it has " + tags.keySet()
              + "): name one of those");
        }
        byte[] body = Files.readAllBytes(file);
        return new RegistryClient.Fetched(uri, mediaTypeOfTags, body, Digest.of(body));
      }

      @Override
      public Digest blob(RegistryClient.Fetched from, Descriptor d, Path target, LongConsumer bytes) throws IOException {
        Path file = blobs.apply(d.digest());
        if (file == null || !Files.isRegularFile(file)) {
          throw new ImagePullException(where + " lacks blob " + d.digest() + ", which its manifest names: the archive is incomplete");
        }
        try (InputStream in = Files.newInputStream(file);
             OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING)) {
          byte[] buf = new byte[256 * 1024];
          long done = 0;
          java.security.MessageDigest md = Digest.sha256();
          for (int n; (n = in.read(buf)) > 0; ) {
            out.write(buf, 0, n);
            md.update(buf, 0, n);
            done += n;
            bytes.accept(done);
          }
          return Digest.of(md);
        }
      }
    };
  }
}
