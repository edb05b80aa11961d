package dev.poc.image;

/** The manifest and layer media types of OCI and of Docker's v2 schema 2. */
final class MediaTypes {
  static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
  static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
  static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";

  private MediaTypes() {}

  static boolean isIndex(String type) {
    return OCI_INDEX.equals(type) || DOCKER_LIST.equals(type);
  }

  static boolean isManifest(String type) {
    return OCI_MANIFEST.equals(type) || DOCKER_MANIFEST.equals(type);
  }

  /** How a layer of {@code type} is compressed: gzip, zstd or none. */
  static Compression compression(String type) {
    if (type.endsWith("+gzip") || type.endsWith(".tar.gzip") || type.equals("application/vnd.docker.image.rootfs.diff.tar.gzip")) {
      return Compression.GZIP;
    }
    if (type.endsWith("+zstd")) {
      return Compression.ZSTD;
    }
    if (type.endsWith(".tar") || type.equals("application/vnd.oci.image.layer.v1.tar")) {
      return Compression.NONE;
    }
    return Compression.UNKNOWN;
  }

  enum Compression { GZIP, ZSTD, NONE, UNKNOWN }
}
