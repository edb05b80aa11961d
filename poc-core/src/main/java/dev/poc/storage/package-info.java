/**
 * Where root filesystems come from: the host's, a directory, a container's disk (ext4 over a
 * loop device) made from an image; the image store and its sources (tarballs, debootstrap,
 * Docker). Internal.
 */
package dev.poc.storage;
