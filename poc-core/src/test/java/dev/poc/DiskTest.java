package dev.poc;

import dev.poc.host.Mounts;
import dev.poc.host.Posix;
import static dev.poc.StorageFixtures.assertNoMountsOrLoops;
import static dev.poc.StorageFixtures.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Disks on real loop devices and overlayfs, over a busybox base image. */
class DiskTest extends StateRootTest {

  @BeforeEach
  void importBase() throws Exception {
    rt.images().importTarball(Images.DEFAULT, StorageFixtures.busyboxTarball("gz"));
  }

  @Test
  void dfInsideShowsTheAskedSizeAndTheBaseIsShared() throws Exception {
    String name = TestRootfs.uniqueName("df");
    ContainerInfo info = rt.build(name, "1G");
    assertThat(info.diskBytes()).isEqualTo(1L << 30);
    assertThat(info.status()).isEqualTo(ContainerInfo.Status.STOPPED);

    StorageFixtures.Run r = run(rt, name, "df -k / | tail -1; ls /bin/busybox");
    assertThat(r.exit()).as(r.out()).isZero();
    long totalKiB = Long.parseLong(r.out().lines().findFirst().orElseThrow().trim().split("\\s+")[1]);
    System.out.println("df / inside a 1G disk: " + totalKiB + " KiB");
    assertThat(totalKiB * 1024).isBetween((long) (0.9 * (1L << 30)), 1L << 30);
    // the base image is not copied into the disk: the upper layer holds only what the container wrote
    Path upper = state.resolve("disks").resolve(name).resolve("mnt/upper");
    assertThat(upper.resolve("bin")).doesNotExist();
  }

  @Test
  void writesSurviveExitNewRuntimeAndUnmount() throws Exception {
    String name = TestRootfs.uniqueName("persist");
    rt.build(name, "64M");
    assertThat(run(rt, name, "echo kept > /root/note; mkdir -p /data && echo more > /data/x").exit()).isZero();
    assertThat(run(rt, name, "cat /root/note /data/x").out()).isEqualTo("kept\nmore\n");

    try (ContainerRuntime second = ContainerRuntime.open(state)) {
      assertThat(run(second, name, "cat /root/note").out()).isEqualTo("kept\n");
    }

    Path mnt = state.resolve("disks").resolve(name).resolve("mnt");
    Mounts.unmount(mnt); // as after a reboot: nothing mounted, no loop device
    assertNoMountsOrLoops(state);
    try (ContainerRuntime third = ContainerRuntime.open(state)) {
      assertThat(run(third, name, "cat /root/note; echo again >> /root/note").out()).isEqualTo("kept\n");
    }
    assertThat(Mounts.at(mnt)).isPresent(); // remounted on demand
    assertThat(run(rt, name, "cat /root/note").out()).isEqualTo("kept\nagain\n");
  }

  @Test
  void aSetuidFileMadeOnADiskIsInertOnTheHostSideView() throws Exception {
    String name = TestRootfs.uniqueName("suid");
    rt.build(name, "64M");
    assertThat(run(rt, name, "cp /bin/busybox /root/sh && chmod 4755 /root/sh && mknod /root/null c 1 3; ls -l /root/sh").out())
        .startsWith("-rwsr-xr-x");
    Path mnt = state.resolve("disks").resolve(name).resolve("mnt");
    Path suid = mnt.resolve("upper/root/sh");
    assertThat(Files.getPosixFilePermissions(suid)).isNotEmpty();
    String options = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().map(l -> l.split(" "))
        .filter(f -> f[4].equals(mnt.toString())).map(f -> f[5]).findFirst().orElseThrow();
    assertThat(options.split(",")).contains("nosuid", "nodev");
    // a device node the container made opens nothing on the host side either
    assertThatThrownBy(() -> Files.newInputStream(mnt.resolve("upper/root/null")).close())
        .isInstanceOf(java.io.IOException.class);
  }

  @Test
  void writingPastTheSizeFailsWithEnospcInsideOnly() throws Exception {
    String name = TestRootfs.uniqueName("full");
    rt.build(name, "32M");
    StorageFixtures.Run r = run(rt, name, "dd if=/dev/zero of=/big bs=1M count=64; echo rc=$?; echo still > /small; echo rc2=$?");
    System.out.println(r.out());
    assertThat(r.out()).contains("No space left on device").doesNotContain("rc=0");
    Path img = state.resolve("disks").resolve(name).resolve("disk.img");
    assertThat(Files.size(img)).isEqualTo(32L << 20); // the host file never grows past the disk size
    assertThat(StorageFixtures.allocatedBytes(img)).isLessThanOrEqualTo(32L << 20);
    // the disk still works after being full
    assertThat(run(rt, name, "rm /big && echo ok > /after && cat /after").out()).isEqualTo("ok\n");
  }

  @Test
  void buildingCostsTheSameForAnySize() throws Exception {
    String small = TestRootfs.uniqueName("g1");
    String large = TestRootfs.uniqueName("g100");
    rt.build(TestRootfs.uniqueName("warm"), "1G"); // first mkfs loads the binaries
    long t0 = System.nanoTime();
    rt.build(small, "1G");
    long t1 = System.nanoTime();
    rt.build(large, "100G");
    long t2 = System.nanoTime();
    long ms1 = (t1 - t0) / 1_000_000;
    long ms100 = (t2 - t1) / 1_000_000;
    long used100 = StorageFixtures.allocatedBytes(state.resolve("disks").resolve(large).resolve("disk.img"));
    System.out.printf("build 1G: %d ms, build 100G: %d ms, 100G image occupies %d KiB%n", ms1, ms100, used100 >> 10);
    assertThat(ms100).isLessThan(Math.max(3 * ms1, ms1 + 1000));
    assertThat(used100).isLessThan(64L << 20); // sparse: only ext4 metadata is written
    assertThat(run(rt, large, "df -k / | tail -1").out()).contains("10");
  }

  @Test
  void rmReleasesMountLoopFileAndState() throws Exception {
    String name = TestRootfs.uniqueName("rm");
    rt.build(name, "64M");
    assertThat(run(rt, name, "echo x > /x").exit()).isZero();
    assertThat(StorageFixtures.loopsUnder(state)).hasSize(1);

    rt.remove(name, false);
    assertNoMountsOrLoops(state);
    assertThat(state.resolve("disks").resolve(name)).doesNotExist();
    assertThat(state.resolve("containers").resolve(name)).doesNotExist();
    assertThat(rt.containers()).isEmpty();
    assertThatThrownBy(() -> rt.remove(name, false)).isInstanceOf(NotFoundException.class).hasMessageContaining(name);
    // the name is free again
    rt.build(name, "64M");
    assertThat(run(rt, name, "cat /x 2>&1").out()).contains("No such file");
  }

  @Test
  void rmRefusesARunningContainerUnlessForced() throws Exception {
    String name = TestRootfs.uniqueName("busy");
    rt.build(name, "64M");
    Container c = rt.container().name(name).rootfs(Rootfs.disk(name)).command("sleep", "60").start();
    assertThat(rt.containers()).singleElement().extracting(ContainerInfo::status).isEqualTo(ContainerInfo.Status.RUNNING);
    assertThatThrownBy(() -> rt.remove(name, false)).isInstanceOf(NameInUseException.class)
        .hasMessageContaining("is running").hasMessageContaining("force");
    assertThat(c.isRunning()).isTrue();

    rt.remove(name, true);
    assertThat(c.waitFor(Duration.ofSeconds(5))).isTrue();
    assertThat(state.resolve("disks").resolve(name)).doesNotExist();
    assertNoMountsOrLoops(state);
  }

  @Test
  void writesOfAnotherJvmPersistAndItsDetachedContainerIsRemovedOnlyWithForce() throws Exception {
    String name = TestRootfs.uniqueName("xjvm");
    rt.build(name, "64M");
    Process writer = OtherJvm.spawn("run", state.toString(), name, "echo from-the-other-jvm > /root/other");
    assertThat(new String(writer.getInputStream().readAllBytes())).contains("EXIT 0");
    assertThat(run(rt, name, "cat /root/other").out()).isEqualTo("from-the-other-jvm\n");

    Process starter = OtherJvm.spawn("detach", state.toString(), name, "sleep 120");
    String started = new String(starter.getInputStream().readAllBytes());
    assertThat(starter.waitFor()).isZero();
    assertThat(started).contains("STARTED"); // its JVM is gone; the container runs on
    int initPid = Integer.parseInt(started.lines().filter(l -> l.startsWith("STARTED")).findFirst().orElseThrow().substring(8).trim());
    assertThat(Posix.isAlive(initPid)).isTrue();
    assertThat(rt.containers()).singleElement().extracting(ContainerInfo::status).isEqualTo(ContainerInfo.Status.RUNNING);
    assertThatThrownBy(() -> rt.remove(name, false)).isInstanceOf(NameInUseException.class).hasMessageContaining("is running");

    rt.remove(name, true);
    assertThat(Posix.isAlive(initPid)).isFalse();
    assertThat(state.resolve("run").resolve(name)).doesNotExist();
    assertNoMountsOrLoops(state);
  }

  @Test
  void aSecondContainerOnTheSameDiskIsRefused() throws Exception {
    String name = TestRootfs.uniqueName("shared");
    rt.build(name, "64M");
    try (Container c = rt.container().name(name).rootfs(Rootfs.disk(name)).command("sleep", "60").start()) {
      assertThatThrownBy(() -> rt.container().name(TestRootfs.uniqueName("other")).rootfs(Rootfs.disk(name))
          .command("true").start()).isInstanceOf(NameInUseException.class).hasMessageContaining("in use");
    }
  }

  @Test
  void diskSizeInTheSpecBuildsOnFirstStartAndReusesAfter() throws Exception {
    String name = TestRootfs.uniqueName("spec");
    try (Container c = rt.container().name(name).diskSize("128M").command("sh", "-c", "echo first > /mark").start()) {
      assertThat(c.waitFor()).isZero();
    }
    assertThat(rt.containers()).singleElement().satisfies(i -> {
      assertThat(i.name()).isEqualTo(name);
      assertThat(i.diskSize()).isEqualTo("128M");
      assertThat(i.image()).isEqualTo(Images.DEFAULT);
    });
    try (Container c = rt.container().name(name).diskSize("128M").command("cat", "/mark").start()) {
      assertThat(new String(c.stdout().readAllBytes())).isEqualTo("first\n");
      assertThat(c.waitFor()).isZero();
    }
  }

  @Test
  void badInputIsRefusedWithAUsefulMessage() {
    String name = TestRootfs.uniqueName("bad");
    assertThatThrownBy(() -> rt.build(name, "lots")).isInstanceOf(InvalidSpecException.class).hasMessageContaining("'lots' is not a size");
    assertThatThrownBy(() -> rt.build(name, "0")).isInstanceOf(InvalidSpecException.class).hasMessageContaining("greater than zero");
    assertThatThrownBy(() -> rt.build(name, "-1G")).isInstanceOf(InvalidSpecException.class).hasMessageContaining("negative");
    assertThatThrownBy(() -> rt.build(name, "1K")).isInstanceOf(InvalidSpecException.class).hasMessageContaining("at least 16M");
    assertThatThrownBy(() -> rt.build(name, "2000000T")).isInstanceOf(InvalidSpecException.class).hasMessageContaining("larger than ext4 allows");
    assertThatThrownBy(() -> rt.build(name, "64M", "nosuchimage")).isInstanceOf(NotFoundException.class)
        .hasMessageContaining("image 'nosuchimage' does not exist").hasMessageContaining("poc init");
    assertThatThrownBy(() -> rt.build("../evil", "64M")).isInstanceOf(InvalidSpecException.class);
    assertThatThrownBy(() -> rt.container().name(name).diskSize("zero").command("true").build())
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("disk size");
    assertThat(rt.containers()).isEmpty();

    rt.build(name, "64M");
    assertThatThrownBy(() -> rt.build(name, "64M")).isInstanceOf(NameInUseException.class)
        .hasMessageContaining("already exists").hasMessageContaining("poc rm " + name);
  }

  @Test
  void aDiskTooLargeForTheHostFileSystemIsRefusedAndLeavesNothing() throws Exception {
    String name = TestRootfs.uniqueName("huge");
    // ext4 (the host's) holds files up to 16 TiB with 4 KiB blocks; 64T is within ext4's own limit
    assertThatThrownBy(() -> rt.build(name, "64T")).isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("does not fit in one file");
    assertThat(rt.containers()).isEmpty();
    assertThat(state.resolve("disks").resolve(name)).doesNotExist();
  }

  @Test
  void pruneRemovesEverythingOfThisStateRootOnly() throws Exception {
    Path otherState = TestRootfs.stateRoot();
    try (ContainerRuntime other = ContainerRuntime.open(otherState)) {
      other.images().importTarball("keep", StorageFixtures.busyboxTarball(""));
      String kept = TestRootfs.uniqueName("kept");
      other.build(kept, "64M", "keep");

      String a = TestRootfs.uniqueName("pa");
      String b = TestRootfs.uniqueName("pb");
      rt.build(a, "64M");
      rt.build(b, "1G");
      Container running = rt.container().name(a).rootfs(Rootfs.disk(a)).command("sleep", "60").start();
      rt.prune();
      assertThat(running.waitFor(Duration.ofSeconds(5))).isTrue();
      assertNoMountsOrLoops(state);
      try (var left = Files.list(state)) {
        assertThat(left.map(p -> p.getFileName().toString())).containsOnly("store.lock");
      }
      assertThat(rt.containers()).isEmpty();
      assertThat(rt.images().list()).isEmpty();

      // the other state root is untouched
      assertThat(other.containers()).extracting(ContainerInfo::name).containsExactly(kept);
      assertThat(run(other, kept, "echo alive").out()).isEqualTo("alive\n");
      other.prune();
    }
    assertNoMountsOrLoops(otherState);
    // a runtime works again after prune
    rt.images().importTarball(Images.DEFAULT, StorageFixtures.busyboxTarball("gz"));
  }
}
