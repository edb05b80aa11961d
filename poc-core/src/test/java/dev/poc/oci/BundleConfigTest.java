package dev.poc.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poc.Capability;
import dev.poc.ContainerSpec;
import dev.poc.InvalidSpecException;
import dev.poc.Namespace;
import dev.poc.cgroup.CgroupPlacement;
import dev.poc.cgroup.GroupTuning;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.json to ContainerSpec: what maps, what is noted, and what is refused by its field path. */
class BundleConfigTest {
  @TempDir
  Path bundle;

  private BundleConfig read(String json) throws IOException {
    Files.writeString(bundle.resolve("config.json"), json);
    Files.createDirectories(bundle.resolve("rootfs"));
    return BundleConfig.read("c1", bundle);
  }

  private static String config(String process, String linux, String extra) {
    return """
        {"ociVersion": "1.0.2", "root": {"path": "rootfs", "readonly": true}, "hostname": "box",
         "process": {"args": ["sh", "-c", "true"], "env": ["PATH=/bin", "A=b=c"], "cwd": "/tmp",
                     "user": {"uid": 0, "gid": 0, "additionalGids": [10]}, %s},
         "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
                    {"destination": "/data", "type": "bind", "source": "/srv", "options": ["rbind", "ro"]}],
         "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "network"}], %s} %s}
        """.formatted(process, linux, extra);
  }

  private static final String CAPS = """
      "capabilities": {"bounding": ["CAP_KILL", "CAP_CHOWN"], "effective": ["CAP_KILL", "CAP_CHOWN"],
                       "permitted": ["CAP_CHOWN", "CAP_KILL"]}""";

  @Test
  void mapsProcessRootMountsNamespacesAndResources() throws IOException {
    BundleConfig c = read(config(CAPS, """
        "resources": {"memory": {"limit": 67108864}, "cpu": {"quota": 50000, "period": 100000}, "pids": {"limit": 64}},
        "cgroupsPath": "/docker/c1" """, ""));
    ContainerSpec s = c.spec();
    assertThat(s.name()).isEqualTo("c1");
    assertThat(s.args()).containsExactly("sh", "-c", "true");
    assertThat(s.env()).containsEntry("A", "b=c").containsEntry("PATH", "/bin");
    assertThat(s.cwd()).isEqualTo("/tmp");
    assertThat(s.additionalGids()).containsExactly(10);
    assertThat(s.hostname()).isEqualTo("box");
    assertThat(s.capabilities()).containsExactlyInAnyOrder(Capability.KILL, Capability.CHOWN);
    assertThat(s.namespaces()).isEqualTo(EnumSet.of(Namespace.PID, Namespace.MOUNT, Namespace.NET));
    assertThat(c.mounts()).containsExactly(new OciLinux.Mount(true, Path.of("/srv"), "/data", "ro", 0));
    assertThat(s.resources().memoryBytes()).hasValue(64L << 20);
    assertThat(s.resources().cpus()).as("the quota and period go to the group as given").isEmpty();
    assertThat(c.cgroupPlacement().tuning().cpuQuota()).hasValue(50000);
    assertThat(c.cgroupPlacement().tuning().cpuPeriod()).hasValue(100000);
    assertThat(s.resources().pids()).hasValue(64);
    assertThat(s.rootfs().toString()).contains("read-only");
    assertThat(s.detached()).isTrue();
    assertThat(c.cgroupPlacement().parent()).isEqualTo("docker");
    assertThat(c.cgroupPlacement().leaf()).isEqualTo("c1");
  }

  @Test
  void readsCgroupsPathAsRuncsCgroupfsDriver() throws IOException {
    assertThat(read(config(CAPS, "\"cgroupsPath\": \"/a/b//c/\"", "")).cgroupPlacement().path()).isEqualTo("a/b/c");
    assertThat(read(config(CAPS, "\"cgroupsPath\": \"/top\"", "")).cgroupPlacement().path()).isEqualTo("top");
    CgroupPlacement rel = read(config(CAPS, "\"cgroupsPath\": \"testdir/cgrouptest/container\"", "")).cgroupPlacement();
    assertThat(rel.parent()).isEqualTo("poc/testdir/cgrouptest");
    assertThat(rel.leaf()).isEqualTo("container");
    CgroupPlacement none = read(config(CAPS, "\"resources\": {}", "")).cgroupPlacement();
    assertThat(none.isStandard()).isTrue();
    assertThat(none.path()).isEqualTo("poc/c1");
    assertThatThrownBy(() -> read(config(CAPS, "\"cgroupsPath\": \"system.slice:docker:c1\"", "")))
        .hasMessageContaining("linux.cgroupsPath is 'system.slice:docker:c1', the systemd driver's");
    assertThatThrownBy(() -> read(config(CAPS, "\"cgroupsPath\": \"/a/../../etc\"", "")))
        .hasMessageContaining("linux.cgroupsPath is '/a/../../etc': give a path without '..'");
    assertThatThrownBy(() -> read(config(CAPS, "\"cgroupsPath\": \"/\"", "")))
        .hasMessageContaining("the root group");
  }

  @Test
  void mapsTheCpusetAndTheDeviceRulesInOrder() throws IOException {
    BundleConfig c = read(config(CAPS, """
        "resources": {"cpu": {"cpus": "0-1", "mems": "0", "period": 500000},
          "devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 10, "minor": 200, "access": "rw"},
                      {"allow": true, "type": "b", "major": 8, "access": "m"}]}""", ""));
    GroupTuning t = c.cgroupPlacement().tuning();
    assertThat(t.cpusetCpus()).isEqualTo("0-1");
    assertThat(t.cpusetMems()).isEqualTo("0");
    assertThat(t.cpuQuota()).isEmpty();
    assertThat(t.cpuPeriod()).hasValue(500000);
    assertThat(t.devices().orElseThrow()).extracting(GroupTuning.DeviceRule::v1).containsExactly(
        "a *:* rwm", "c 10:200 rw", "b 8:* m");
    assertThat(t.devices().orElseThrow()).extracting(GroupTuning.DeviceRule::allow).containsExactly(false, true, true);
    assertThatThrownBy(() -> read(config(CAPS, "\"resources\": {\"devices\": [{\"allow\": true, \"type\": \"x\"}]}", "")))
        .hasMessageContaining("linux.resources.devices[0].type is 'x'");
    assertThatThrownBy(() -> read(config(CAPS, "\"resources\": {\"cpu\": {\"period\": 5}}", "")))
        .hasMessageContaining("linux.resources.cpu.period is 5");
  }

  @Test
  void mapsLinuxDevicesToNodesTheInitMakes() throws IOException {
    BundleConfig c = read(config(CAPS, """
        "devices": [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 0},
                    {"path": "/dev/q", "type": "p"}, {"path": "/dev/u", "type": "u", "major": 1, "minor": 3}]""", ""));
    OciLinux linux = linuxOf(c);
    assertThat(linux.devices()).containsExactly(new OciLinux.Device("/dev/fuse", 'c', 10, 229, 0666, 0, 0),
        new OciLinux.Device("/dev/q", 'p', 0, 0, 0666, 0, 0), new OciLinux.Device("/dev/u", 'c', 1, 3, 0666, 0, 0));
    assertThatThrownBy(() -> read(config(CAPS, "\"devices\": [{\"path\": \"/dev/x\", \"type\": \"c\"}]", "")))
        .hasMessageContaining("linux.devices[0] has no major or minor number");
    assertThatThrownBy(() -> read(config(CAPS, "\"devices\": [{\"path\": \"dev/x\", \"type\": \"p\"}]", "")))
        .hasMessageContaining("linux.devices[0].path has 'dev/x'");
  }

  @Test
  void withoutAMountNamespaceTheRootIsStillBuiltInAPrivateOneAndTheHostsIsShared() throws IOException {
    BundleConfig c = read(config(CAPS, "\"resources\": {}", "").replace(", {\"type\": \"mount\"}", ""));
    assertThat(c.spec().namespaces()).contains(Namespace.MOUNT);
    assertThat(linuxOf(c).hostMounts()).isTrue();
    assertThat(c.notes()).anyMatch(n -> n.contains("no mount namespace: the container shares the host's"));
  }

  private static OciLinux linuxOf(BundleConfig c) {
    return ((BundleRootfs) c.spec().rootfs().strategy()).linux();
  }

  @Test
  void mapsATmpfsWithItsSizeAndModeAndNotesWhatItDoesNotApply() throws IOException {
    BundleConfig c = read(config(CAPS, "\"cgroupsPath\": \"/x\"", "").replace("\"source\": \"proc\"}", "\"source\": \"proc\"}, "
        + "{\"destination\": \"/run\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", "
        + "\"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]}"));
    assertThat(c.mounts()).startsWith(new OciLinux.Mount(false, null, "/run", "mode=755,size=65536k", 0));
    assertThat(c.notes()).anySatisfy(n -> assertThat(n).contains("mounts[1]").contains("strictatime not applied"));
  }

  @Test
  void keepsTheConfigsMountOrderWithEachMountsPropagation() throws IOException {
    BundleConfig c = read(config(CAPS, "\"cgroupsPath\": \"/x\"", "").replace("\"source\": \"proc\"}", "\"source\": \"proc\"}, "
        + "{\"destination\": \"/tmp/s\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [\"shared\"]}, "
        + "{\"destination\": \"/mnt/e\", \"source\": \"/etc\", \"options\": [\"rbind\", \"rslave\", \"nosuid\", \"size=1k\"]}"));
    assertThat(c.mounts()).containsExactly(new OciLinux.Mount(false, null, "/tmp/s", "", 0x100000L),
        new OciLinux.Mount(true, Path.of("/etc"), "/mnt/e", "nosuid", 0x84000L),
        new OciLinux.Mount(true, Path.of("/srv"), "/data", "ro", 0));
    assertThat(c.notes()).anySatisfy(n -> assertThat(n).contains("mounts[2]: the bind at /mnt/e ignores size=1k"));
  }

  @Test
  void joinsANamespaceByPathButNeverTheRuntimesOwnMountNamespace() throws IOException {
    String joinNet = "{\"type\": \"network\", \"path\": \"/proc/self/ns/net\"}";
    BundleConfig c = read(config(CAPS, "\"cgroupsPath\": \"/x\"", "").replace("{\"type\": \"network\"}", joinNet));
    assertThat(c.spec().namespaces()).contains(Namespace.NET);
    assertThatThrownBy(() -> read(config(CAPS, "\"cgroupsPath\": \"/x\"", "")
        .replace("{\"type\": \"mount\"}", "{\"type\": \"mount\", \"path\": \"/proc/self/ns/mnt\"}")))
        .hasMessageContaining("linux.namespaces[1].path is '/proc/self/ns/mnt', the runtime's own mount namespace");
    assertThatThrownBy(() -> read(config(CAPS, "\"cgroupsPath\": \"/x\"", "")
        .replace("{\"type\": \"network\"}", "{\"type\": \"network\", \"path\": \"/no/such/ns\"}")))
        .hasMessageContaining("linux.namespaces[2].path is '/no/such/ns'");
    assertThatThrownBy(() -> read(config(CAPS, "\"rootfsPropagation\": \"sideways\"", "")))
        .hasMessageContaining("linux.rootfsPropagation is 'sideways'");
    assertThatThrownBy(() -> read(config(CAPS, "\"maskedPaths\": [\"proc/kcore\"]", "")))
        .hasMessageContaining("linux.maskedPaths has 'proc/kcore'");
  }

  @Test
  void anUnknownFieldIsRefusedByItsPath() {
    assertThatThrownBy(() -> read(config(CAPS + ", \"frob\": 1", "\"cgroupsPath\": \"/x\"", "")))
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("process.frob is not a field poc knows");
    assertThatThrownBy(() -> read(config(CAPS, "\"resources\": {\"blockIO\": {\"weigth\": 300}}", "")))
        .hasMessageContaining("linux.resources.blockIO.weigth is not a field poc knows");
  }

  @Test
  void refusesWhatItCannotHonour() {
    assertThatThrownBy(() -> read(config(CAPS, "\"sysctl\": {\"kernel.panic\": \"1\"}", "")))
        .hasMessageContaining("linux.sysctl.kernel.panic is not namespaced");
    assertThatThrownBy(() -> read(config(CAPS, "\"cgroupsPath\": \"/x\"",
        ", \"hooks\": {\"createContainer\": [{\"path\": \"true\"}]}")))
        .hasMessageContaining("hooks.createContainer[0].path is 'true': a hook's path must be absolute");
    assertThatThrownBy(() -> read(config(CAPS, "\"resources\": {\"memory\": {\"limit\": 10000000, \"swap\": 5000000}}", "")))
        .hasMessageContaining("linux.resources.memory.swap is 5000000, which needs a memory limit at or below it");
    assertThatThrownBy(() -> read(config(CAPS, "\"cgroupsPath\": \"/x\"", "").replace("\"uid\": 0,", "\"uid\": 0, \"umask\": 1000,")))
        .hasMessageContaining("process.user.umask is 1000");
    assertThatThrownBy(() -> read(config(CAPS, "\"cgroupsPath\": \"/x\"", "").replace("\"source\": \"proc\"}",
        "\"source\": \"proc\"}, {\"destination\": \"/run\", \"type\": \"tmpfs\", \"options\": [\"ro\"]}")))
        .hasMessageContaining("mounts[1].options has 'ro'");
  }

  @Test
  void aTerminalAndItsSizeAndDockersSwapAreTaken() throws IOException {
    BundleConfig c = read(config(CAPS + ", \"terminal\": true, \"consoleSize\": {\"height\": 30, \"width\": 100}",
        "\"resources\": {\"memory\": {\"limit\": 33554432, \"swap\": 67108864}}", ""));
    assertThat(c.spec().tty()).isTrue();
    assertThat(c.consoleRows()).isEqualTo(30);
    assertThat(c.consoleCols()).isEqualTo(100);
    assertThat(c.notes()).anyMatch(n -> n.contains("memory.swap 67108864: memory+swap on cgroup v1 with swap accounting"));
    assertThat(c.cgroupPlacement().tuning().v1Files()).containsExactly(new GroupTuning.V1File("memory",
        "memory.memsw.limit_in_bytes", "67108864", "linux.resources.memory.swap", false));
  }

  private static final String USERNS = "\"namespaces\": [{\"type\": \"user\"}, {\"type\": \"pid\"}, {\"type\": \"mount\"}]";

  @Test
  void aUserNamespaceGetsTheConfigsMapsAsUidMapTakesThem() throws IOException {
    BundleConfig c = read(config(CAPS, USERNS + """
        , "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 1}, {"containerID": 1, "hostID": 200001, "size": 65535}],
        "gidMappings": [{"containerID": 0, "hostID": 300000, "size": 65536}] """, "").replace(
        "\"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"mount\"}, {\"type\": \"network\"}], ", "\"linux\": {"));
    assertThat(c.idMapping()).isPresent();
    assertThat(c.idMapping().get().uidMap()).isEqualTo("0 100000 1\n1 200001 65535");
    assertThat(c.idMapping().get().gidMap()).isEqualTo("0 300000 65536");
    assertThat(c.spec().namespaces()).isEqualTo(EnumSet.of(Namespace.PID, Namespace.MOUNT));
    assertThat(read(config(CAPS, "\"cgroupsPath\": \"/x\"", "")).idMapping()).as("no user namespace").isEmpty();
  }

  @Test
  void refusesMapsWithoutAUserNamespaceAndAUserNamespaceWithoutMaps() {
    String linuxNs = "\"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"mount\"}, {\"type\": \"network\"}], ";
    assertThatThrownBy(() -> read(config(CAPS, "\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}]", "")))
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("linux.uidMappings is given without a user namespace");
    assertThatThrownBy(() -> read(config(CAPS, USERNS + ", \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}]", "")
        .replace(linuxNs, "\"linux\": {")))
        .hasMessageContaining("linux.gidMappings is missing or empty while linux.namespaces has a user namespace");
    assertThatThrownBy(() -> read(config(CAPS, "\"namespaces\": [{\"type\": \"user\", \"path\": \"/proc/1/ns/user\"}]", "")
        .replace(linuxNs, "\"linux\": {")))
        .hasMessageContaining("linux.namespaces[0].path joins a user namespace");
    assertThatThrownBy(() -> read(config(CAPS, USERNS + """
        , "uidMappings": [{"containerID": 0, "hostID": -1, "size": 1}], "gidMappings": [{"containerID": 0, "hostID": 1, "size": 1}]""", "")
        .replace(linuxNs, "\"linux\": {")))
        .hasMessageContaining("linux.uidMappings[0].hostID is -1");
    assertThatThrownBy(() -> read(config(CAPS, "\"cgroupsPath\": \"/x\"", "").replace("\"options\": [\"rbind\", \"ro\"]",
        "\"options\": [\"rbind\"], \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}]")))
        .hasMessageContaining("mounts[1].uidMappings asks for an idmapped mount");
    assertThatThrownBy(() -> read(config(CAPS, USERNS + """
        , "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}], "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 65536}],
        "devices": [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}]""", "").replace(linuxNs, "\"linux\": {")))
        .hasMessageContaining("linux.devices[0] is a device node in a user namespace");
    assertThatThrownBy(() -> read(config(CAPS, USERNS + """
        , "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}], "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]""", "")
        .replace(linuxNs, "\"linux\": {")))
        .as("the config's additionalGids [10]").hasMessageContaining("process.user has gid 10, which linux.gidMappings does not map (0 1000 1)");
  }

  @Test
  void domainnameGoesToTheUtsNamespaceAndIsRefusedWithoutOne() throws IOException {
    String utsNs = "\"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"mount\"}, {\"type\": \"uts\"}], ";
    String linuxNs = "\"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"mount\"}, {\"type\": \"network\"}], ";
    BundleConfig c = read(config(CAPS, "\"cgroupsPath\": \"/x\"", ", \"domainname\": \"example.org\"").replace(linuxNs, utsNs));
    assertThat(linuxOf(c).domainname()).isEqualTo("example.org");
    assertThat(linuxOf(read(config(CAPS, "\"cgroupsPath\": \"/x\"", ""))).domainname()).isEmpty();
    assertThatThrownBy(() -> read(config(CAPS, "\"cgroupsPath\": \"/x\"", ", \"domainname\": \"example.org\"")))
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("domainname is 'example.org' without a uts namespace");
  }

  @Test
  void blockIoBecomesBlkioFilesInTheConfigsOrder() throws IOException {
    BundleConfig c = read(config(CAPS, """
        "resources": {"blockIO": {"weight": 300, "leafWeight": 0,
          "weightDevice": [{"major": 8, "minor": 0, "weight": 500, "leafWeight": 200}],
          "throttleReadBpsDevice": [{"major": 254, "minor": 0, "rate": 1048576}],
          "throttleWriteBpsDevice": [{"major": 254, "minor": 0, "rate": 2097152}],
          "throttleReadIOPSDevice": [{"major": 254, "minor": 0, "rate": 100}],
          "throttleWriteIOPSDevice": [{"major": 254, "minor": 0, "rate": 200}]}} """, ""));
    assertThat(c.cgroupPlacement().tuning().v1Files()).containsExactly(
        new GroupTuning.V1File("blkio", "blkio.weight", "300", "linux.resources.blockIO.weight"),
        new GroupTuning.V1File("blkio", "blkio.weight_device", "8:0 500", "linux.resources.blockIO.weightDevice[0].weight"),
        new GroupTuning.V1File("blkio", "blkio.leaf_weight_device", "8:0 200",
            "linux.resources.blockIO.weightDevice[0].leafWeight"),
        new GroupTuning.V1File("blkio", "blkio.throttle.read_bps_device", "254:0 1048576",
            "linux.resources.blockIO.throttleReadBpsDevice[0]"),
        new GroupTuning.V1File("blkio", "blkio.throttle.write_bps_device", "254:0 2097152",
            "linux.resources.blockIO.throttleWriteBpsDevice[0]"),
        new GroupTuning.V1File("blkio", "blkio.throttle.read_iops_device", "254:0 100",
            "linux.resources.blockIO.throttleReadIOPSDevice[0]"),
        new GroupTuning.V1File("blkio", "blkio.throttle.write_iops_device", "254:0 200",
            "linux.resources.blockIO.throttleWriteIOPSDevice[0]"));
    assertThat(read(config(CAPS, "\"resources\": {\"blockIO\": {\"weight\": 0}}", "")).cgroupPlacement().tuning().v1Files())
        .as("Docker's weight 0 is not set").isEmpty();
    assertThatThrownBy(() -> read(config(CAPS, "\"resources\": {\"blockIO\": {\"weight\": 5}}", "")))
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("linux.resources.blockIO.weight is 5: give 10 to 1000");
    assertThatThrownBy(() -> read(config(CAPS, "\"resources\": {\"blockIO\": {\"throttleReadBpsDevice\": [{\"minor\": 0, \"rate\": 1}]}}", "")))
        .hasMessageContaining("linux.resources.blockIO.throttleReadBpsDevice[0].major is null");
    assertThatThrownBy(() -> read(config(CAPS, "\"resources\": {\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": -1}]}}", "")))
        .hasMessageContaining("throttleReadBpsDevice[0].rate is -1");
  }

  @Test
  void memoryFieldsBeyondTheLimitBecomeV1MemoryFilesAndKernelIsRefused() throws IOException {
    BundleConfig c = read(config(CAPS, """
        "resources": {"memory": {"limit": 67108864, "swap": 67108864, "reservation": 33554432, "swappiness": 10,
          "disableOOMKiller": true, "kernelTCP": 16777216}} """, ""));
    assertThat(c.cgroupPlacement().tuning().v1Files()).containsExactly(
        new GroupTuning.V1File("memory", "memory.soft_limit_in_bytes", "33554432", "linux.resources.memory.reservation"),
        new GroupTuning.V1File("memory", "memory.swappiness", "10", "linux.resources.memory.swappiness"),
        new GroupTuning.V1File("memory", "memory.oom_control", "1", "linux.resources.memory.disableOOMKiller"),
        new GroupTuning.V1File("memory", "memory.kmem.tcp.limit_in_bytes", "16777216", "linux.resources.memory.kernelTCP"));
    assertThat(read(config(CAPS, """
        "resources": {"memory": {"swappiness": -1, "disableOOMKiller": false, "reservation": 0, "kernel": 0}} """, ""))
        .cgroupPlacement().tuning().v1Files()).as("Docker's 'not set' values").isEmpty();
    assertThatThrownBy(() -> read(config(CAPS, "\"resources\": {\"memory\": {\"kernel\": 1048576}}", "")))
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("linux.resources.memory.kernel is deprecated");
    assertThatThrownBy(() -> read(config(CAPS, "\"resources\": {\"memory\": {\"swappiness\": 101}}", "")))
        .hasMessageContaining("linux.resources.memory.swappiness is 101: give 0 to 100");
  }

  @Test
  void hugepageLimitsBecomeHugetlbFilesWhichTheHostMustOffer() throws IOException {
    BundleConfig c = read(config(CAPS, """
        "resources": {"hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}, {"pageSize": "1GB", "limit": 0}]} """, ""));
    assertThat(c.cgroupPlacement().tuning().v1Files()).containsExactly(
        new GroupTuning.V1File("hugetlb", "hugetlb.2MB.limit_in_bytes", "4194304", "linux.resources.hugepageLimits[0]"),
        new GroupTuning.V1File("hugetlb", "hugetlb.1GB.limit_in_bytes", "0", "linux.resources.hugepageLimits[1]"));
    assertThat(read(config(CAPS, "\"resources\": {\"hugepageLimits\": []}", "")).cgroupPlacement().tuning().v1Files()).isEmpty();
    assertThatThrownBy(() -> read(config(CAPS, "\"resources\": {\"hugepageLimits\": [{\"pageSize\": \"2M\", \"limit\": 1}]}", "")))
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("linux.resources.hugepageLimits[0].pageSize is '2M'");
  }
}
