package dev.poc.image;

import dev.poc.host.FileTrees;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Unpacks one layer (a tar, plain, gzip or zstd) into its own empty directory, in the form
 * overlayfs reads as a lower layer: a whiteout {@code .wh.NAME} becomes a character device 0/0
 * named NAME, an opaque marker {@code .wh..wh..opq} becomes {@code trusted.overlay.opaque=y} on
 * its directory. Owners, modes (setuid included), device nodes, FIFOs, hard links, symlinks,
 * times and extended attributes are kept.
 *
 * <p>Nothing is ever written outside the directory: a member whose name is absolute is taken
 * relative to it, a name with {@code ..} is refused, a member whose parent is a symlink is
 * refused (so no symlink in the layer is ever followed), and a hard link must name a member
 * inside. Symlinks themselves are stored as they are: they are resolved only inside the
 * container's root.
 *
 * <p>Rootless (an ordinary user unpacks), what only root may make is left out: every file is the
 * user's (root inside the container's user namespace), device nodes are skipped (the container's
 * /dev has its own), only {@code user.*} attributes are kept, and an opaque directory is marked
 * with {@code user.overlay.opaque}, which overlayfs reads when mounted with {@code userxattr}.
 */
final class LayerUnpacker {
  static final String WHITEOUT = ".wh.";
  static final String OPAQUE = ".wh..wh..opq";
  /** Whether the unpacking user may keep owners, make devices and set trusted.* attributes. */
  static final boolean ROOTLESS = dev.poc.host.HostDirs.rootless();
  /** The attribute overlayfs reads an opaque directory by: user.* with {@code userxattr} (rootless). */
  static final String OPAQUE_XATTR = ROOTLESS ? "user.overlay.opaque" : "trusted.overlay.opaque";

  /** Who a new file belongs to: a member of these ids needs no chown (unless its directory hands down its group). */
  private static final int OWN_UID = dev.poc.host.LibC.get().geteuid();
  private static final int OWN_GID = dev.poc.host.LibC.get().getegid();

  private final Path root;
  private final String what;
  private final Deque<Map.Entry<Path, Long>> dirTimes = new ArrayDeque<>();
  /**
   * Directories of the layer this unpacker made or found to be real directories: a member under
   * them costs no lstat of each parent (a busybox layer is 400 members in one directory).
   * Forgotten, with all below, when a member replaces one.
   */
  private final Set<Path> knownDirs = new HashSet<>();
  /** Known directories with the setgid bit, whose new entries take the directory's group. */
  private final Set<Path> setgidDirs = new HashSet<>();

  private LayerUnpacker(Path root, String what) {
    this.root = root;
    this.what = what;
    knownDirs.add(root);
  }

  /** The unpacker of a layer into {@code root}; a setgid root (a state root under a setgid directory) hands its group down. */
  private static LayerUnpacker into(Path root, String what) throws IOException {
    LayerUnpacker u = new LayerUnpacker(root, what);
    if (((int) Files.getAttribute(root, "unix:mode") & 02000) != 0) {
      u.setgidDirs.add(root);
    }
    return u;
  }

  /**
   * Unpacks {@code compressed} into the empty directory {@code root} and returns the digest of the
   * uncompressed tar (the layer's diff id). {@code what} names the layer in errors.
   */
  static Digest unpack(InputStream compressed, MediaTypes.Compression compression, Path root, String what) throws IOException {
    MessageDigest md = Digest.sha256();
    try (InputStream plain = new DigestInputStream(decompress(compressed, compression, what), md)) {
      LayerUnpacker u = into(root, what);
      TarReader tar = new TarReader(plain);
      for (TarReader.Entry e; (e = tar.next()) != null; ) {
        u.apply(e, tar);
      }
      tar.drain();
      u.finish();
    }
    return Digest.of(md);
  }

  static InputStream decompress(InputStream in, MediaTypes.Compression compression, String what) throws IOException {
    return switch (compression) {
      case NONE -> in;
      case GZIP -> new GZIPInputStream(in, 64 * 1024);
      case ZSTD -> new io.airlift.compress.zstd.ZstdInputStream(in);
      case UNKNOWN -> throw new ImagePullException(what + " has a media type poc cannot unpack (only tar, tar+gzip, tar+zstd)");
    };
  }

  private void apply(TarReader.Entry e, TarReader tar) throws IOException {
    List<String> parts = components(e.name());
    if (parts.isEmpty()) {
      return; // the layer's root itself ("./"): the directory exists
    }
    String base = parts.get(parts.size() - 1);
    Path parent = parents(parts.subList(0, parts.size() - 1), e.name());
    if (base.equals(OPAQUE)) {
      if (!FileNodes.setXattr(parent, OPAQUE_XATTR, "y".getBytes(StandardCharsets.US_ASCII))) {
        throw new IOException("the file system under " + root + " does not keep " + OPAQUE_XATTR
            + " attributes, which overlay whiteouts need");
      }
      return;
    }
    if (base.startsWith(WHITEOUT)) {
      String hidden = base.substring(WHITEOUT.length());
      if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..") || hidden.contains("/")) {
        throw refuse(e.name(), "is a whiteout of no valid name");
      }
      Path target = parent.resolve(hidden);
      removeExisting(target);
      FileNodes.mknod(target, FileNodes.S_IFCHR, 0, 0, 0);
      return;
    }
    Path path = parent.resolve(base);
    boolean fresh = true; // made by this member: owned by this process, unless its directory is setgid
    switch (e.type()) {
      case '5' -> {
        if (knownDirs.contains(path)) {
          fresh = false;
        } else {
          try {
            Files.createDirectory(path);
          } catch (FileAlreadyExistsException exists) {
            if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
              fresh = false;
            } else {
              removeExisting(path);
              Files.createDirectory(path);
            }
          }
          knownDirs.add(path);
        }
        dirTimes.push(Map.entry(path, e.mtime()));
      }
      case '0', '\0', '7' -> {
        // made first, replaced only when it exists (a lower member of the same name): in a fresh
        // layer no lstat or unlink comes before
        OutputStream made;
        try {
          made = Files.newOutputStream(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException exists) {
          removeExisting(path);
          made = Files.newOutputStream(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        }
        try (OutputStream out = made; InputStream data = tar.data()) {
          data.transferTo(out); // CREATE_NEW is O_EXCL: it never follows a symlink
        }
      }
      case '2' -> {
        try {
          Files.createSymbolicLink(path, Path.of(e.linkName()));
        } catch (FileAlreadyExistsException exists) {
          removeExisting(path);
          Files.createSymbolicLink(path, Path.of(e.linkName()));
        }
      }
      case '1' -> {
        List<String> targetParts = components(e.linkName());
        if (targetParts.isEmpty()) {
          throw refuse(e.name(), "is a hard link to the layer's root");
        }
        Path target = parents(targetParts.subList(0, targetParts.size() - 1), e.linkName())
            .resolve(targetParts.get(targetParts.size() - 1));
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
          throw refuse(e.name(), "is a hard link to '" + e.linkName() + "', which the layer has not got (before it)");
        }
        removeExisting(path);
        Files.createLink(path, target); // link(2) links the entry itself, never a symlink's target
        return; // the link shares the target's owner and mode
      }
      case '3', '4' -> {
        if (ROOTLESS) {
          return; // only root may make a device node, and none would work in a user namespace
        }
        removeExisting(path);
        FileNodes.mknod(path, e.type() == '3' ? FileNodes.S_IFCHR : FileNodes.S_IFBLK, e.mode(), e.devMajor(), e.devMinor());
      }
      case '6' -> {
        removeExisting(path);
        FileNodes.mknod(path, FileNodes.S_IFIFO, e.mode(), 0, 0);
      }
      default -> throw refuse(e.name(), "has the tar type '" + e.type() + "', which a layer cannot hold");
    }
    // rootless: the user's own, root inside. A member just made is this process's already: a chown
    // to the same ids would cost a metadata write per member for nothing
    boolean ownedAlready = fresh && e.uid() == OWN_UID && e.gid() == OWN_GID && !setgidDirs.contains(parent);
    if (!ROOTLESS && !ownedAlready) {
      FileNodes.lchown(path, e.uid(), e.gid());
    }
    if (e.type() != '2') {
      FileNodes.chmod(path, e.mode()); // after chown, which clears setuid bits
    }
    if (e.type() == '5') {
      if ((e.mode() & 02000) != 0) {
        setgidDirs.add(path);
      } else {
        setgidDirs.remove(path);
      }
    }
    for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
      if (ROOTLESS && !x.getKey().startsWith("user.")) {
        continue; // trusted.* and security.* are root's to set
      }
      FileNodes.setXattr(path, x.getKey(), x.getValue());
    }
    if (e.type() != '5') {
      setTime(path, e.mtime());
    }
  }

  /** Directory times last, deepest first: creating their entries changed them. */
  private void finish() throws IOException {
    while (!dirTimes.isEmpty()) {
      Map.Entry<Path, Long> d = dirTimes.pop();
      setTime(d.getKey(), d.getValue());
    }
  }

  private static void setTime(Path path, long epochSeconds) throws IOException {
    FileNodes.setTimes(path, epochSeconds);
  }

  /**
   * The directory {@code parts} names under the root, made where missing. A part that is a
   * symlink or a file is refused: following it could lead outside the layer.
   */
  private Path parents(List<String> parts, String member) throws IOException {
    Path dir = root;
    for (String p : parts) {
      Path parent = dir;
      dir = dir.resolve(p);
      if (knownDirs.contains(dir)) {
        continue;
      }
      try {
        Files.createDirectory(dir); // mkdir never follows a symlink: one that is there fails with EEXIST
        if (setgidDirs.contains(parent)) {
          setgidDirs.add(dir); // a directory made in a setgid one is setgid too
        }
      } catch (FileAlreadyExistsException exists) {
        if (Files.isSymbolicLink(dir)) {
          throw refuse(member, "lies under the symlink '" + root.relativize(dir) + "', which poc never follows while unpacking");
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
          throw refuse(member, "lies under '" + root.relativize(dir) + "', which is not a directory");
        }
      }
      knownDirs.add(dir);
    }
    return dir;
  }

  /** The member name's parts: leading '/' and './' dropped, '.' parts skipped, '..' refused. */
  private List<String> components(String name) {
    List<String> parts = new ArrayList<>();
    for (String p : name.split("/")) {
      if (p.isEmpty() || p.equals(".")) {
        continue;
      }
      if (p.equals("..")) {
        throw refuse(name, "climbs out of the layer with '..'");
      }
      parts.add(p);
    }
    return parts;
  }

  private void removeExisting(Path path) throws IOException {
    if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
      FileTrees.delete(path);
      knownDirs.removeIf(d -> d.startsWith(path));
      setgidDirs.removeIf(d -> d.startsWith(path));
    } else {
      Files.deleteIfExists(path);
    }
  }

  private ImagePullException refuse(String member, String why) {
    return new ImagePullException(what + ": member '" + member + "' " + why + ": refusing the layer; the image is broken or hostile");
  }
}
