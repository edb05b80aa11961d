package dev.poc.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The unpacker against tars written here, byte by byte: hostile ones too. Runs as root (mknod, xattrs). */
class LayerUnpackerTest {
  @TempDir
  Path dir;

  /** A minimal ustar writer: enough to make any member, however wrong. */
  static final class Tar {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Tar add(String name, char type, int mode, String link, byte[] data) {
      return add(name, type, mode, link, data, 0, 0);
    }

    Tar add(String name, char type, int mode, String link, byte[] data, int uid, int gid) {
      byte[] h = new byte[512];
      put(h, 0, name);
      put(h, 100, String.format("%07o", mode));
      put(h, 108, String.format("%07o", uid));
      put(h, 116, String.format("%07o", gid));
      put(h, 124, String.format("%011o", data.length));
      put(h, 136, String.format("%011o", 1_700_000_000L));
      h[156] = (byte) type;
      put(h, 157, link);
      put(h, 257, "ustar");
      h[262] = 0;
      put(h, 263, "00");
      put(h, 329, String.format("%07o", type == '3' ? 1 : 0));
      put(h, 337, String.format("%07o", type == '3' ? 3 : 0));
      for (int i = 148; i < 156; i++) {
        h[i] = ' ';
      }
      long sum = 0;
      for (byte b : h) {
        sum += b & 0xff;
      }
      put(h, 148, String.format("%06o", sum));
      h[154] = 0;
      out.writeBytes(h);
      out.writeBytes(data);
      out.writeBytes(new byte[(512 - data.length % 512) % 512]);
      return this;
    }

    Tar file(String name, String content) {
      return add(name, '0', 0644, "", content.getBytes(StandardCharsets.UTF_8));
    }

    Tar dir(String name) {
      return add(name, '5', 0755, "", new byte[0]);
    }

    byte[] bytes() {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      b.writeBytes(out.toByteArray());
      b.writeBytes(new byte[1024]);
      return b.toByteArray();
    }

    private static void put(byte[] h, int off, String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      System.arraycopy(b, 0, h, off, b.length);
    }
  }

  private Path unpack(byte[] tar) throws IOException {
    Path root = Files.createDirectories(dir.resolve("layer"));
    Digest diffId = LayerUnpacker.unpack(new ByteArrayInputStream(tar), MediaTypes.Compression.NONE, root, "test layer");
    assertThat(diffId).isEqualTo(Digest.of(tar));
    return root;
  }

  @Test
  void whiteoutsBecomeOverlayWhiteoutsAndOpaqueDirectoriesGetTheirAttribute() throws Exception {
    Path root = unpack(new Tar().dir("etc/").file("etc/.wh.passwd", "").dir("opt/").file("opt/.wh..wh..opq", "")
        .file("opt/new", "n").bytes());
    Path whiteout = root.resolve("etc/passwd");
    assertThat(Files.getAttribute(whiteout, "unix:mode", LinkOption.NOFOLLOW_LINKS)).isEqualTo(0020000);
    assertThat(Files.getAttribute(whiteout, "unix:rdev", LinkOption.NOFOLLOW_LINKS)).isEqualTo(0L);
    assertThat(root.resolve("etc/.wh.passwd")).doesNotExist();
    assertThat(root.resolve("opt/.wh..wh..opq")).doesNotExist();
    assertThat(FileNodes.getXattr(root.resolve("opt"), "trusted.overlay.opaque")).isEqualTo("y".getBytes(StandardCharsets.US_ASCII));
    assertThat(FileNodes.getXattr(root.resolve("etc"), "trusted.overlay.opaque")).isNull();
    assertThat(root.resolve("opt/new")).hasContent("n");
  }

  @Test
  void modesSetuidDevicesHardLinksAndSymlinksAreKept() throws Exception {
    Path root = unpack(new Tar().add("bin/su", '0', 04755, "", "x".getBytes()).add("dev/tty0", '3', 0620, "", new byte[0])
        .add("bin/su2", '1', 0, "bin/su", new byte[0]).add("bin/abs", '2', 0777, "/etc/shadow", new byte[0])
        .add("bin/up", '2', 0777, "../../../etc", new byte[0]).add("run/fifo", '6', 0600, "", new byte[0]).bytes());
    assertThat(Files.getAttribute(root.resolve("bin/su"), "unix:mode")).isEqualTo(0100000 | 04755);
    assertThat(Files.getAttribute(root.resolve("dev/tty0"), "unix:mode")).isEqualTo(0020000 | 0620);
    assertThat(Files.getAttribute(root.resolve("dev/tty0"), "unix:rdev")).isEqualTo((1L << 8) | 3);
    assertThat(Files.getAttribute(root.resolve("bin/su2"), "unix:nlink")).isEqualTo(2);
    assertThat(Files.readSymbolicLink(root.resolve("bin/abs")).toString()).isEqualTo("/etc/shadow");
    assertThat(Files.readSymbolicLink(root.resolve("bin/up")).toString()).isEqualTo("../../../etc");
    assertThat(Files.getAttribute(root.resolve("run/fifo"), "unix:mode")).isEqualTo(0010000 | 0600);
  }

  @Test
  void ownersAreKeptAndASetgidDirectoryHandsNoGroupToMembersOfOtherGroups() throws Exception {
    // members owned by root are not chowned (they are root's when made), unless a setgid directory
    // above gave them its group
    Path root = unpack(new Tar().add("srv/", '5', 02775, "", new byte[0], 0, 50)
        .add("srv/mine", '0', 0644, "", "m".getBytes(), 0, 0)
        .add("srv/sub/deep", '0', 0644, "", "d".getBytes(), 0, 0)
        .add("home/u/file", '0', 0600, "", "u".getBytes(), 1000, 1001)
        .add("etc/plain", '0', 0644, "", "p".getBytes(), 0, 0).bytes());
    assertThat(Files.getAttribute(root.resolve("srv"), "unix:gid")).isEqualTo(50);
    assertThat(Files.getAttribute(root.resolve("srv"), "unix:mode")).isEqualTo(0040000 | 02775);
    assertThat(Files.getAttribute(root.resolve("srv/mine"), "unix:gid")).as("its own group, not the setgid directory's").isEqualTo(0);
    assertThat(Files.getAttribute(root.resolve("srv/sub/deep"), "unix:gid")).as("below a directory made in the setgid one").isEqualTo(0);
    assertThat(Files.getAttribute(root.resolve("home/u/file"), "unix:uid")).isEqualTo(1000);
    assertThat(Files.getAttribute(root.resolve("home/u/file"), "unix:gid")).isEqualTo(1001);
    assertThat(Files.getAttribute(root.resolve("etc/plain"), "unix:uid")).isEqualTo(0);
    assertThat(Files.getAttribute(root.resolve("etc/plain"), "unix:gid")).isEqualTo(0);
  }

  @Test
  void aDirectoryALaterMemberReplacesIsForgottenWithWhatWasBelowIt() throws Exception {
    Path outside = Files.createDirectories(dir.resolve("outside"));
    byte[] viaSymlink = new Tar().dir("d/").file("d/a", "a").add("d", '2', 0777, outside.toString(), new byte[0])
        .file("d/b", "b").bytes();
    assertThatThrownBy(() -> unpack(viaSymlink)).isInstanceOf(ImagePullException.class).hasMessageContaining("symlink");
    assertThat(outside.resolve("b")).doesNotExist();

    Path root = Files.createDirectories(dir.resolve("second"));
    LayerUnpacker.unpack(new ByteArrayInputStream(new Tar().dir("x/").file("x/in", "1").file("x", "now a file")
        .file("y/z", "z").dir("y/").bytes()), MediaTypes.Compression.NONE, root, "test layer");
    assertThat(root.resolve("x")).hasContent("now a file");
    assertThat(root.resolve("y/z")).as("a directory entry after a member below it keeps that member").hasContent("z");
  }

  @Test
  void nothingIsEverWrittenOutsideTheLayer() throws Exception {
    Path outside = Files.createDirectories(dir.resolve("outside"));
    assertThatThrownBy(() -> unpack(new Tar().file("../escaped", "x").bytes())).hasMessageContaining("climbs out");
    Files.delete(dir.resolve("layer"));
    assertThatThrownBy(() -> unpack(new Tar().add("link", '2', 0777, outside.toString(), new byte[0])
        .file("link/escaped", "x").bytes())).hasMessageContaining("symlink");
    dev.poc.host.FileTrees.delete(dir.resolve("layer"));
    assertThatThrownBy(() -> unpack(new Tar().add("hard", '1', 0, "../outside/x", new byte[0]).bytes()))
        .hasMessageContaining("climbs out");
    dev.poc.host.FileTrees.delete(dir.resolve("layer"));
    Path root = unpack(new Tar().file("/abs/file", "inside").bytes());
    assertThat(root.resolve("abs/file")).hasContent("inside");
    try (var s = Files.list(outside)) {
      assertThat(s).isEmpty();
    }
    assertThat(dir.resolve("escaped")).doesNotExist();
  }

  @Test
  void aLaterMemberReplacesAnEarlierOneWithoutFollowingIt() throws Exception {
    Path target = Files.writeString(dir.resolve("victim"), "safe");
    Path root = unpack(new Tar().add("f", '2', 0777, target.toString(), new byte[0]).file("f", "replaced").bytes());
    assertThat(root.resolve("f")).hasContent("replaced");
    assertThat(Files.isSymbolicLink(root.resolve("f"))).isFalse();
    assertThat(target).hasContent("safe");
  }

  @Test
  void gzipAndZstdLayersUnpack() throws Exception {
    byte[] tar = new Tar().file("hello", "world").bytes();
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream o = new GZIPOutputStream(gz)) {
      o.write(tar);
    }
    Path g = Files.createDirectories(dir.resolve("g"));
    assertThat(LayerUnpacker.unpack(new ByteArrayInputStream(gz.toByteArray()), MediaTypes.Compression.GZIP, g, "gz"))
        .isEqualTo(Digest.of(tar));
    assertThat(g.resolve("hello")).hasContent("world");
    Path plain = Files.write(dir.resolve("t.tar"), tar);
    Process p = new ProcessBuilder("zstd", "-q", "-f", plain.toString(), "-o", dir.resolve("t.tar.zst").toString()).inheritIO().start();
    assertThat(p.waitFor()).isZero();
    Path z = Files.createDirectories(dir.resolve("z"));
    assertThat(LayerUnpacker.unpack(Files.newInputStream(dir.resolve("t.tar.zst")), MediaTypes.Compression.ZSTD, z, "zstd"))
        .isEqualTo(Digest.of(tar));
    assertThat(z.resolve("hello")).hasContent("world");
  }

  @Test
  void aTruncatedOrCorruptArchiveIsAnError() {
    byte[] tar = new Tar().file("big", "x".repeat(5000)).bytes();
    byte[] cut = java.util.Arrays.copyOf(tar, 1500);
    assertThatThrownBy(() -> unpack(cut)).hasMessageContaining("ends inside");
    byte[] bad = tar.clone();
    bad[10] ^= 1;
    assertThatThrownBy(() -> LayerUnpacker.unpack(new ByteArrayInputStream(bad), MediaTypes.Compression.NONE,
        Files.createDirectories(dir.resolve("bad")), "bad")).hasMessageContaining("checksum");
  }

  @Test
  void paxRecordsCarryLongNamesAndBinaryXattrs() throws Exception {
    ByteArrayOutputStream pax = new ByteArrayOutputStream();
    pax.writeBytes("32 path=a/very/long/name/indeed\n".getBytes(StandardCharsets.UTF_8));
    pax.writeBytes("39 SCHILY.xattr.security.capability=".getBytes(StandardCharsets.UTF_8));
    pax.write(0);
    pax.write(0xff);
    pax.write('\n');
    Map<String, byte[]> r = TarReader.paxRecords(pax.toByteArray());
    assertThat(new String(r.get("path"), StandardCharsets.UTF_8)).isEqualTo("a/very/long/name/indeed");
    assertThat(r.get("SCHILY.xattr.security.capability")).containsExactly(0, 0xff);
    assertThatThrownBy(() -> TarReader.paxRecords("30 path=a/very/long/name/indeed\n".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IOException.class);
  }
}
