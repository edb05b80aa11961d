package dev.poc;

import dev.poc.storage.DockerEngine;
import static dev.poc.StorageFixtures.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Images from tarballs (plain, gz, xz) and from the host; naming, listing, removal, bad input. */
class ImageTest extends StateRootTest {

  @Test
  void importsPlainGzipAndXzTarballsAndRunsOnThem() throws Exception {
    List<String> progress = new ArrayList<>();
    for (String compression : List.of("", "gz", "xz")) {
      String image = "bb" + compression;
      Image made = rt.images().importTarball(image, StorageFixtures.busyboxTarball(compression), progress::add);
      assertThat(made.kind()).isEqualTo(Image.Kind.TARBALL);
      assertThat(made.source()).endsWith(".tar" + (compression.isEmpty() ? "" : "." + compression));
      String name = TestRootfs.uniqueName("on-" + image);
      rt.build(name, "64M", image);
      assertThat(run(rt, name, "busybox | head -1").out()).startsWith("BusyBox");
    }
    assertThat(progress).anyMatch(l -> l.startsWith("unpacking"));
    assertThat(rt.images().list()).extracting(Image::name).containsExactly("bb", "bbgz", "bbxz");
    Path rootfs = state.resolve("images/bbgz/rootfs");
    assertThat(rootfs.resolve("bin/busybox")).isExecutable();
    assertThat(Files.readAttributes(rootfs.resolve("bin/busybox"), "unix:uid").get("uid")).isEqualTo(0);
    try (var staging = Files.list(state.resolve("images"))) {
      assertThat(staging.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("."));
    }
  }

  @Test
  void theImageIsSharedAndStaysReadOnly() throws Exception {
    rt.images().importTarball("base", StorageFixtures.busyboxTarball("gz"));
    String a = TestRootfs.uniqueName("a");
    String b = TestRootfs.uniqueName("b");
    rt.build(a, "64M", "base");
    rt.build(b, "64M", "base");
    assertThat(run(rt, a, "rm /bin/ls && echo changed > /etc/passwd && echo done").out()).isEqualTo("done\n");
    assertThat(run(rt, b, "ls / >/dev/null && head -1 /etc/passwd").out()).startsWith("root:");
    assertThat(state.resolve("images/base/rootfs/bin/ls")).exists();
    assertThat(run(rt, a, "ls /bin/ls 2>&1; cat /etc/passwd").out()).contains("No such file").contains("changed");
  }

  @Test
  void aTarballThatEscapesIsRefusedAndLeavesNothing() throws Exception {
    Path dir = Files.createDirectories(state.resolve("evil-src"));
    Files.writeString(dir.resolve("f"), "x");
    Path evil = state.resolve("evil.tar");
    StorageFixtures.exec("tar", "-C", dir.toString(), "-cf", evil.toString(), "-P", "--transform", "s,^,../,", "f");
    assertThatThrownBy(() -> rt.images().importTarball("evil", evil)).isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("'../f'").hasMessageContaining("outside the image");
    Path abs = state.resolve("abs.tar");
    StorageFixtures.exec("tar", "-C", dir.toString(), "-cf", abs.toString(), "-P", "--transform", "s,^,/tmp/poc-evil-,", "f");
    assertThatThrownBy(() -> rt.images().importTarball("evil", abs)).isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("/tmp/poc-evil-f");
    assertThat(Path.of("/tmp/poc-evil-f")).doesNotExist();
    assertThat(state.getParent().resolve("f")).doesNotExist();
    assertThat(rt.images().list()).isEmpty();
    try (var left = Files.list(state.resolve("images"))) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void badInputNamesWhatIsWrong() throws Exception {
    assertThatThrownBy(() -> rt.images().importTarball("x", state.resolve("missing.tar.gz")))
        .isInstanceOf(NotFoundException.class).hasMessageContaining("missing.tar.gz");
    Path garbage = state.resolve("garbage.tar");
    Files.writeString(garbage, "this is not a tar file at all, not even close".repeat(20));
    assertThatThrownBy(() -> rt.images().importTarball("x", garbage)).isInstanceOf(PocException.class)
        .hasMessageContaining("garbage.tar").hasMessageContaining("tar failed");
    assertThatThrownBy(() -> rt.images().importTarball("bad/name", garbage)).isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("image name");
    assertThat(rt.images().list()).isEmpty();

    rt.images().importTarball("twice", StorageFixtures.busyboxTarball(""));
    assertThatThrownBy(() -> rt.images().importTarball("twice", StorageFixtures.busyboxTarball("")))
        .isInstanceOf(NameInUseException.class).hasMessageContaining("image 'twice' already exists");
    assertThatThrownBy(() -> rt.images().remove("nope")).isInstanceOf(NotFoundException.class).hasMessageContaining("poc init");
  }

  @Test
  void anImageUnderAContainerCannotBeRemoved() throws Exception {
    rt.images().importTarball("used", StorageFixtures.busyboxTarball(""));
    String name = TestRootfs.uniqueName("user");
    rt.build(name, "64M", "used");
    assertThatThrownBy(() -> rt.images().remove("used")).isInstanceOf(NameInUseException.class)
        .hasMessageContaining(name).hasMessageContaining("poc rm");
    rt.remove(name, false);
    rt.images().remove("used");
    assertThat(rt.images().list()).isEmpty();
    assertThat(state.resolve("images/used")).doesNotExist();
  }

  @Test
  void theHostImageRunsHostProgramsAndKeepsWrites() throws Exception {
    Image host = rt.images().host("hostimg");
    assertThat(host.kind()).isEqualTo(Image.Kind.HOST);
    String name = TestRootfs.uniqueName("onhost");
    rt.build(name, "64M", "hostimg");
    StorageFixtures.Run r = run(rt, name, "id -u; ls /usr/bin/env; echo mine > /root/file; touch /usr/x 2>&1 || echo ro");
    assertThat(r.exit()).as(r.out()).isZero();
    assertThat(r.out()).contains("0\n/usr/bin/env\n").contains("ro");
    assertThat(run(rt, name, "cat /root/file; ls /etc/shadow 2>&1").out()).startsWith("mine\n").contains("No such file");
  }

  @Test
  void initWithoutDockerOrDebootstrapPicksTheHostAndSaysWhy() throws Exception {
    DockerEngine none = new DockerEngine(state.resolve("no-docker.sock"));
    assertThat(none.unavailable()).hasValueSatisfying(reason -> assertThat(reason).contains("does not exist"));
    List<String> said = new ArrayList<>();
    Image made = rt.images().init(none, false, said::add);
    assertThat(made.name()).isEqualTo(Images.DEFAULT);
    assertThat(made.kind()).isEqualTo(Image.Kind.HOST);
    assertThat(said).singleElement().asString().contains("no Docker").contains("no-docker.sock").contains("no debootstrap");
    assertThatThrownBy(() -> rt.images().init(none, false, said::add)).isInstanceOf(NameInUseException.class)
        .hasMessageContaining("image 'default' already exists");

    Files.createFile(state.resolve("no-docker.sock")); // a socket path nobody listens on
    assertThat(none.unavailable()).hasValueSatisfying(reason -> assertThat(reason).contains("nothing answers"));
  }
}
