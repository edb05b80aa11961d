package dev.poc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poc.image.Digest;
import dev.poc.image.Platform;
import dev.poc.image.PulledImage;
import dev.poc.image.RegistryImages;
import dev.poc.image.RegistrySettings;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images by name against a real registry (Debian's docker-registry on 127.0.0.1), filled by
 * skopeo from an OCI layout the test writes. Every name resolves through a loopback mirror with
 * mirrorsOnly set: nothing may leave the machine.
 */
class ImageRegistryTest {
  @TempDir
  static Path dir;
  static LocalRegistry registry;
  static TestImages.Layout layout;
  static ContainerRuntime runtime;

  @BeforeAll
  static void start() throws Exception {
    layout = TestImages.build(dir.resolve("layout"));
    registry = LocalRegistry.start(dir.resolve("registry"), false);
    registry.push(layout.dir(), "1.36", "library/busybox", "1.36");
    registry.push(layout.dir(), "extra", "library/busybox", "extra");
    runtime = ContainerRuntime.builder().stateRoot(TestRootfs.stateRoot()).registries(viaMirror(registry.uri())).build();
  }

  @AfterAll
  static void stop() {
    if (runtime != null) {
      runtime.close();
    }
    if (registry != null) {
      registry.close();
    }
  }

  /** docker.io (and only it) goes to {@code mirror}; the registry itself is never asked. */
  static RegistrySettings viaMirror(URI mirror) {
    return RegistrySettings.builder().putMirrors("docker.io", List.of(mirror)).mirrorsOnly(true)
        .authFile(dir.resolve("no-credentials.json")).build();
  }

  @Test
  void pullsRunsAndASecondPullDownloadsNothing() throws Exception {
    RegistryImages images = runtime.registryImages();
    RegistryImages.PullResult first = images.pull("busybox:1.36");
    PulledImage image = first.image();
    assertThat(image.name()).isEqualTo("docker.io/library/busybox:1.36");
    assertThat(image.manifest()).as("the manifest of this machine's platform, picked from the index").isEqualTo(layout.hostManifest());
    assertThat(image.layers()).extracting(Digest::hex).containsExactlyElementsOf(TestImages.hexes(layout.layers()));
    assertThat(image.config().workingDir()).contains("/opt");

    Run run = Run.of(runtime.container().name(TestRootfs.uniqueName("img")).rootfs(Rootfs.image("busybox:1.36")));
    assertThat(run.code()).as(run.toString()).isZero();
    assertThat(run.out).as("Cmd, Env and WorkingDir of the image").isEqualTo("hello from the image\n/opt\n");

    RegistryImages.PullResult second = images.pull("busybox:1.36");
    assertThat(second.blobsDownloaded()).isZero();
    assertThat(second.bytesDownloaded()).isZero();
    assertThat(second.image().manifest()).isEqualTo(image.manifest());
  }

  @Test
  void layersApplyWhiteoutsOpaqueDirectoriesAndSetuidBits() throws Exception {
    runtime.registryImages().pull("busybox:1.36");
    Run run = Run.of(runtime.container().name(TestRootfs.uniqueName("wh")).rootfs(Rootfs.image("busybox:1.36"))
        .command("sh", "-c", "ls /etc/removed.txt 2>&1; cat /etc/replaced.txt; ls /opt/data; stat -c %a /opt/suid"));
    assertThat(run.code()).as(run.toString()).isZero();
    assertThat(run.out).contains("No such file").contains("v2\n").contains("c\n").doesNotContain("a\nb\n").endsWith("4755\n");
  }

  @Test
  void aContainerWritesToItsOwnUpperLayerOnly() throws Exception {
    PulledImage image = runtime.registryImages().pull("busybox:1.36").image();
    Path baseLayer = runtime.registryImages().layerDirsTopFirst(image).get(1);
    Run writer = Run.of(runtime.container().name(TestRootfs.uniqueName("up")).rootfs(Rootfs.image("busybox:1.36"))
        .command("sh", "-c", "echo changed > /opt/data/a-new; echo mine > /etc/replaced.txt; rm /bin/ls; cat /etc/replaced.txt"));
    assertThat(writer.out).isEqualTo("mine\n");
    assertThat(Files.exists(baseLayer.resolve("bin/ls"), LinkOption.NOFOLLOW_LINKS)).isTrue();
    assertThat(Files.readString(runtime.registryImages().layerDirsTopFirst(image).get(0).resolve("etc/replaced.txt"))).isEqualTo("v2\n");

    Run reader = Run.of(runtime.container().name(TestRootfs.uniqueName("up")).rootfs(Rootfs.image("busybox:1.36"))
        .command("sh", "-c", "cat /etc/replaced.txt; ls /bin/ls; ls /opt/data"));
    assertThat(reader.out).isEqualTo("v2\n/bin/ls\nc\n");
  }

  @Test
  void anUpperLayerOnTmpfsLeavesNothingOnTheHost() throws Exception {
    runtime.registryImages().pull("busybox:1.36");
    String name = TestRootfs.uniqueName("mem");
    String marker = "written-in-memory-" + name;
    Path runDir = runtime.stateRoot().resolve("run").resolve(name);
    try (Container c = runtime.container().name(name).rootfs(Rootfs.image("busybox:1.36").upperOnTmpfs("8M"))
        .command("sh", "-c", "echo kept > /opt/" + marker + "; echo mine > /etc/replaced.txt; echo ready; read line; "
            + "cat /opt/" + marker + " /etc/replaced.txt; dd if=/dev/zero of=/opt/big bs=1M count=16 2>&1 | grep -c 'No space'")
        .start()) {
      assertThat(new String(c.stdout().readNBytes(6))).isEqualTo("ready\n");
      assertThat(runDir.resolve("upper-tmpfs")).as("the tmpfs is mounted in the container's namespace only").isEmptyDirectory();
      assertThat(filesNamed(runDir, marker)).as("the container's file is nowhere in its run directory").isEmpty();
      assertThat(filesNamed(runtime.registryImages().layerDirsTopFirst(runtime.registryImages().find("busybox:1.36").orElseThrow()).get(0), marker))
          .as("nor in the image's top layer").isEmpty();
      assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(runDir.resolve("upper-tmpfs").toString());
      c.stdin().write("go\n".getBytes());
      c.stdin().close();
      assertThat(new String(c.stdout().readAllBytes())).as("its writes are there, up to the tmpfs's size")
          .isEqualTo("kept\nmine\n1\n");
      assertThat(c.waitFor()).isZero();
    }
    assertThat(runDir).doesNotExist();
    PulledImage image = runtime.registryImages().find("busybox:1.36").orElseThrow();
    assertThat(runtime.registryImages().layerDirsTopFirst(image).get(0).resolve("etc/replaced.txt")).hasContent("v2\n");
  }

  @Test
  void onlyAnImageRootTakesAnUpperOnTmpfs() {
    assertThatThrownBy(() -> Rootfs.directory(dir).upperOnTmpfs("8M")).isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("Rootfs.image");
    assertThatThrownBy(() -> Rootfs.image("busybox:1.36").upperOnTmpfs("lots")).isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("'lots'");
  }

  private static List<Path> filesNamed(Path root, String name) throws java.io.IOException {
    try (var files = Files.find(root, 64, (p, a) -> p.getFileName() != null && p.getFileName().toString().equals(name))) {
      return files.toList();
    }
  }

  @Test
  void theSpecOverridesTheImagesDefaults() throws Exception {
    Run run = Run.of(runtime.container().name(TestRootfs.uniqueName("ovr")).rootfs(Rootfs.image("busybox:1.36"))
        .cwd("/etc").putEnv("GREETING", "from the spec").user(65534, 65534)
        .command("sh", "-c", "echo $GREETING; pwd; id -u"));
    assertThat(run.out).isEqualTo("from the spec\n/etc\n65534\n");
  }

  @Test
  void aDigestPinnedPullGetsThatImage() {
    RegistryImages.PullResult r = runtime.registryImages().pull("busybox@" + layout.index());
    assertThat(r.image().manifest()).isEqualTo(layout.hostManifest());
    assertThat(runtime.registryImages().find("busybox@" + layout.index())).isPresent();
  }

  @Test
  void anotherPlatformGetsItsOwnManifest() {
    String other = Platform.host().architecture().equals("amd64") ? "linux/arm64" : "linux/amd64";
    RegistryImages foreign = new RegistryImages(dir.resolve("foreign-state"), viaMirror(registry.uri()), Platform.parse(other));
    assertThat(foreign.pull("busybox:1.36").image().manifest()).isEqualTo(layout.otherManifest());
    assertThatThrownBy(() -> new RegistryImages(dir.resolve("s390x-state"), viaMirror(registry.uri()), Platform.parse("linux/s390x"))
        .pull("busybox:1.36")).hasMessageContaining("no manifest for platform linux/s390x");
  }

  @Test
  void anUnknownImageOrTagIsNotFound() {
    assertThatThrownBy(() -> runtime.registryImages().pull("nosuchimage:1")).isInstanceOf(NotFoundException.class)
        .hasMessageContaining("nosuchimage:1");
    assertThatThrownBy(() -> runtime.registryImages().pull("busybox:0.0-none")).isInstanceOf(NotFoundException.class)
        .hasMessageContaining("busybox:0.0-none");
    String wrong = "sha256:" + "0".repeat(64);
    assertThatThrownBy(() -> runtime.registryImages().pull("busybox@" + wrong)).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> Run.of(runtime.container().name(TestRootfs.uniqueName("nf")).rootfs(Rootfs.image("nosuchimage:2"))))
        .isInstanceOf(NotFoundException.class);
  }

  @Test
  void aRegistryWithoutMirrorIsNeverAsked() {
    assertThatThrownBy(() -> runtime.registryImages().pull("quay.io/some/image:1"))
        .hasMessageContaining("mirrorsOnly");
  }

  @Test
  void removingAnImageSweepsOnlyTheLayersNothingElseUses() throws Exception {
    RegistryImages images = new RegistryImages(dir.resolve("sweep-state"), viaMirror(registry.uri()));
    PulledImage base = images.pull("busybox:1.36").image();
    PulledImage extra = images.pull("busybox:extra").image();
    assertThat(extra.layers()).hasSize(3);
    assertThat(images.sweep().layersRemoved()).as("nothing is unreferenced yet").isZero();
    RegistryImages.SweepResult swept = images.remove("busybox:extra");
    assertThat(swept.layersRemoved()).as("only the layer busybox:1.36 lacks").isEqualTo(1);
    for (Path layer : images.layerDirsTopFirst(base)) {
      assertThat(layer).isDirectory();
    }
    assertThat(images.layerDirsTopFirst(extra).get(0)).doesNotExist();
    assertThat(images.find("busybox:extra")).isEmpty();
    assertThat(images.list()).extracting(PulledImage::name).containsExactly("docker.io/library/busybox:1.36");
  }

  @Test
  void aRunningContainersLayersSurviveRemovalOfItsImage() throws Exception {
    ContainerRuntime rt = ContainerRuntime.builder().stateRoot(TestRootfs.stateRoot()).registries(viaMirror(registry.uri())).build();
    try (rt) {
      PulledImage image = rt.registryImages().pull("busybox:extra").image();
      try (Container c = rt.container().name(TestRootfs.uniqueName("pin")).rootfs(Rootfs.image("busybox:extra"))
          .command("sh", "-c", "read line; cat /opt/extra.txt").start()) {
        rt.registryImages().remove("busybox:extra");
        assertThat(rt.registryImages().layerDirsTopFirst(image).get(0)).as("pinned by the running container").isDirectory();
        c.stdin().write("go\n".getBytes());
        c.stdin().close();
        assertThat(new String(c.stdout().readAllBytes())).isEqualTo("extra\n");
        assertThat(c.waitFor()).isZero();
      }
      assertThat(rt.registryImages().sweep().layersRemoved()).isEqualTo(3);
      assertThat(rt.registryImages().layerDirsTopFirst(image).get(0)).doesNotExist();
    }
  }

  @Test
  void aSizedDiskLiesOverARegistryImage() throws Exception {
    ContainerRuntime rt = ContainerRuntime.builder().stateRoot(TestRootfs.stateRoot()).registries(viaMirror(registry.uri())).build();
    String name = TestRootfs.uniqueName("disk");
    try (rt) {
      ContainerInfo built = rt.build(name, "64M", "busybox:1.36");
      assertThat(built.image()).isEqualTo("registry:docker.io/library/busybox:1.36");
      Run write = Run.of(rt.container().name(name).rootfs(Rootfs.disk(name))
          .command("sh", "-c", "echo kept > /etc/replaced.txt; df -k / | tail -1"));
      assertThat(write.code()).as(write.toString()).isZero();
      Run read = Run.of(rt.container().name(name).rootfs(Rootfs.disk(name)).command("cat", "/etc/replaced.txt"));
      assertThat(read.out).as("the disk keeps what a run wrote").isEqualTo("kept\n");
      PulledImage image = rt.registryImages().find("busybox:1.36").orElseThrow();
      assertThat(rt.registryImages().layerDirsTopFirst(image).get(0).resolve("etc/replaced.txt")).hasContent("v2\n");
      assertThatThrownBy(() -> rt.registryImages().remove("busybox:1.36")).isInstanceOf(NameInUseException.class)
          .hasMessageContaining(name);
      rt.remove(name, false);
      assertThat(rt.registryImages().remove("busybox:1.36").layersRemoved()).isEqualTo(2);
    }
  }

  @Test
  void aSweepRemovesTheScratchOfACrashedImportOnly() throws Exception {
    Path state = dir.resolve("imports-state");
    RegistryImages images = new RegistryImages(state, viaMirror(registry.uri()));
    Path imports = Files.createDirectories(state.resolve("oci/imports"));
    Path crashed = Files.createDirectories(imports.resolve("c0ffee/unpacked/etc"));
    Files.writeString(crashed.resolve("passwd"), "root:x:0:0::/:/bin/sh\n");
    Files.createFile(imports.resolve("c0ffee.lock")); // its importer died: the lock is free
    Path orphanLock = Files.createFile(imports.resolve("dead.lock"));
    Path live = Files.createDirectories(imports.resolve("beef/unpacked"));
    try (dev.poc.host.Flock importing = dev.poc.host.Flock.lock(imports.resolve("beef.lock"))) {
      images.sweep();
      assertThat(imports.resolve("c0ffee")).doesNotExist();
      assertThat(imports.resolve("c0ffee.lock")).doesNotExist();
      assertThat(orphanLock).doesNotExist();
      assertThat(live).as("an import under way keeps its scratch").isDirectory();
    }
    images.sweep();
    assertThat(live).doesNotExist();
    images.importArchive(layout.dir(), "localhost/swept:1.36", Progress.none());
    try (var left = Files.list(imports)) {
      assertThat(left.toList()).as("an import leaves no scratch behind").isEmpty();
    }
  }

  @Test
  void aRunDirectoryKeepsItsLayersFromASweep() throws Exception {
    Path state = dir.resolve("runs-state");
    RegistryImages images = new RegistryImages(state, viaMirror(registry.uri()));
    PulledImage image = images.pull("busybox:1.36").image();
    Path run = Files.createDirectories(state.resolve("run/detached-one"));
    // what ImageRootfs writes: a detached container's layers outlive the JVM that pinned them
    Files.write(run.resolve("image.layers"), image.layers().stream().map(Digest::toString).toList());
    images.remove("busybox:1.36");
    assertThat(images.layerDirsTopFirst(image)).allSatisfy(l -> assertThat(l).isDirectory());
    Files.delete(run.resolve("image.layers"));
    assertThat(images.sweep().layersRemoved()).isEqualTo(2);
  }

  @Test
  void anOciLayoutImportsAndRunsWithoutARegistry() throws Exception {
    RegistryImages.PullResult r = runtime.registryImages().importArchive(layout.dir(), "localhost/imported:1.36", Progress.none());
    assertThat(r.image().manifest()).isEqualTo(layout.hostManifest());
    Run run = Run.of(runtime.container().name(TestRootfs.uniqueName("imp")).rootfs(Rootfs.image("localhost/imported:1.36"))
        .command("cat", "/etc/replaced.txt"));
    assertThat(run.out).isEqualTo("v2\n");
  }

  @Test
  void aDockerSaveArchiveImports() throws Exception {
    Path save = Files.createDirectories(dir.resolve("save"));
    byte[] layer = layout.baseLayerBytes();
    Files.createDirectories(save.resolve("abc"));
    Files.write(save.resolve("abc/layer.tar"), layer);
    String config = "{\"architecture\":\"" + Platform.host().architecture() + "\",\"os\":\"linux\","
        + "\"config\":{\"Cmd\":[\"cat\",\"/etc/replaced.txt\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
        + Digest.of(layer) + "\"]}}";
    Files.writeString(save.resolve("config.json"), config);
    Files.writeString(save.resolve("manifest.json"),
        "[{\"Config\":\"config.json\",\"RepoTags\":[\"saved:1\"],\"Layers\":[\"abc/layer.tar\"]}]");
    Path tar = dir.resolve("saved.tar");
    assertThat(new ProcessBuilder("tar", "-C", save.toString(), "-cf", tar.toString(), ".").inheritIO().start().waitFor()).isZero();
    runtime.registryImages().importArchive(tar, "saved:1", Progress.none());
    Run run = Run.of(runtime.container().name(TestRootfs.uniqueName("sav")).rootfs(Rootfs.image("saved:1")));
    assertThat(run.out).as(run.toString()).isEqualTo("v1\n");
    assertThat(runtime.registryImages().importArchive(tar, "other:2", Progress.none()).image().name())
        .as("the archive's only image, under the name given").isEqualTo("docker.io/library/other:2");
  }
}
