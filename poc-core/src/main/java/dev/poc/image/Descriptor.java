package dev.poc.image;

/** A reference to a blob, as manifests give it: media type, digest and size. */
record Descriptor(String mediaType, Digest digest, long size) {}
