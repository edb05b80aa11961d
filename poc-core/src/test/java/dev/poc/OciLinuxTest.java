package dev.poc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poc.OciBundles.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * poc-oci on the real kernel for what config.json's linux section asks beyond poc's own spec:
 * the container's cgroup at {@code cgroupsPath} (and only what create made removed by delete),
 * the nodes of {@code linux.devices} with the device cgroup's rules, a mount namespace joined by
 * path, and a config without a mount namespace.
 */
class OciLinuxTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path CGROUPS = Path.of("/sys/fs/cgroup");

  @TempDir
  Path tmp;

  private Path pocOci;
  private Path root;

  @BeforeEach
  void setUp() throws IOException {
    pocOci = OciBundles.launcher(tmp);
    root = tmp.resolve("state");
  }

  private Result oci(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(pocOci.toString(), "--root", root.toString()));
    cmd.addAll(List.of(args));
    return OciBundles.run(tmp, cmd);
  }

  private ObjectNode config(String... args) throws IOException, InterruptedException {
    OciBundles.bundle(tmp.resolve("bundle"), args);
    return (ObjectNode) JSON.readTree(tmp.resolve("bundle/config.json").toFile());
  }

  /** Creates the container of {@code config} (its stdio discarded); returns its init's pid. */
  private int create(String id, ObjectNode config) throws IOException, InterruptedException {
    OciBundles.writeConfig(tmp.resolve("bundle"), config);
    Result r = oci("create", "--bundle", tmp.resolve("bundle").toString(), id);
    assertThat(r.code()).as("create: %s", r.err()).isZero();
    JsonNode state = JSON.readTree(oci("state", id).out());
    return state.get("pid").asInt();
  }

  /** The v1 hierarchy of {@code controller} on this host, when it has one mounted at its name. */
  private static Path v1(String controller) {
    Path h = CGROUPS.resolve(controller);
    assumeTrue(Files.isRegularFile(h.resolve("tasks")), "no cgroup v1 " + controller + " hierarchy at " + h);
    return h;
  }

  @Test
  void anAbsoluteCgroupsPathIsFromTheHierarchyRootAndDeleteRemovesWhatCreateMade() throws Exception {
    Path pids = v1("pids");
    Path cpu = v1("cpu");
    Path cpuset = v1("cpuset");
    String top = TestRootfs.uniqueName("ocicg");
    String id = TestRootfs.uniqueName("oci");
    ObjectNode c = config("sleep", "1000");
    ((ObjectNode) c.get("linux")).put("cgroupsPath", "/" + top + "/nested/" + id);
    ObjectNode resources = (ObjectNode) c.get("linux").get("resources");
    resources.putObject("pids").put("limit", 77);
    resources.putObject("cpu").put("shares", 2048).put("quota", 20000).put("period", 400000).put("cpus", "0").put("mems", "0");
    try {
      int init = create(id, c);
      Path group = pids.resolve(top + "/nested/" + id);
      assertThat(Files.readString(group.resolve("pids.max")).trim()).isEqualTo("77");
      assertThat(Files.readString(Path.of("/proc/" + init + "/cgroup"))).contains(":pids:/" + top + "/nested/" + id + "\n",
          ":cpuset:/" + top + "/nested/" + id + "\n");
      Path cpuGroup = cpu.resolve(top + "/nested/" + id);
      assertThat(Files.readString(cpuGroup.resolve("cpu.cfs_period_us")).trim()).isEqualTo("400000");
      assertThat(Files.readString(cpuGroup.resolve("cpu.cfs_quota_us")).trim()).isEqualTo("20000");
      assertThat(Files.readString(cpuGroup.resolve("cpu.shares")).trim()).isEqualTo("2048");
      assertThat(Files.readString(cpuset.resolve(top + "/nested/" + id + "/cpuset.cpus")).trim()).isEqualTo("0");
      assertThat(pids.resolve("poc/" + id)).as("not poc's own place").doesNotExist();

      assertThat(oci("delete", "--force", id).code()).isZero();
      for (Path h : List.of(pids, cpu, cpuset, v1("memory"))) {
        assertThat(h.resolve(top)).as("the group and the ancestors create made, in %s", h).doesNotExist();
      }
    } finally {
      oci("delete", "--force", id);
    }
  }

  @Test
  void aParentThatExistedBeforeCreateStaysAndARelativePathGoesUnderPoc() throws Exception {
    Path pids = v1("pids");
    String parent = TestRootfs.uniqueName("ocipre");
    Path before = Files.createDirectory(pids.resolve(parent));
    String id = TestRootfs.uniqueName("oci");
    try {
      ObjectNode c = config("sleep", "1000");
      ((ObjectNode) c.get("linux")).put("cgroupsPath", "/" + parent + "/" + id);
      create(id, c);
      assertThat(pids.resolve(parent + "/" + id)).isDirectory();
      assertThat(oci("delete", "--force", id).code()).isZero();
      assertThat(pids.resolve(parent + "/" + id)).doesNotExist();
      assertThat(before).as("a parent create did not make").isDirectory();

      String rel = TestRootfs.uniqueName("ocirel");
      ((ObjectNode) c.get("linux")).put("cgroupsPath", rel + "/" + id);
      int init = create(id, c);
      assertThat(Files.readString(Path.of("/proc/" + init + "/cgroup"))).contains(":pids:/poc/" + rel + "/" + id + "\n");
      assertThat(oci("delete", "--force", id).code()).isZero();
      assertThat(pids.resolve("poc/" + rel)).doesNotExist();
    } finally {
      oci("delete", "--force", id);
      Files.deleteIfExists(before);
    }
  }

  @Test
  void devicesAreMadeWithTheirNumbersModeAndOwnerAndTheDeviceRulesDecideAccess() throws Exception {
    v1("devices");
    ObjectNode c = config("sh", "-c", "stat -c '%n %F %t:%T %a %u:%g' /dev/allowed /dev/denied /dev/fifo; "
        + "cat /dev/allowed; cat /dev/denied");
    ArrayNode devices = ((ObjectNode) c.get("linux")).putArray("devices");
    devices.addObject().put("path", "/dev/allowed").put("type", "c").put("major", 10).put("minor", 666)
        .put("fileMode", 0646).put("uid", 7).put("gid", 8);
    devices.addObject().put("path", "/dev/denied").put("type", "c").put("major", 10).put("minor", 667);
    devices.addObject().put("path", "/dev/fifo").put("type", "p").put("fileMode", 0600);
    ((ArrayNode) c.get("linux").get("resources").get("devices")).addObject().put("allow", true).put("type", "c")
        .put("major", 10).put("minor", 666).put("access", "rw");
    OciBundles.writeConfig(tmp.resolve("bundle"), c);
    String id = TestRootfs.uniqueName("oci");
    Result r = OciBundles.run(tmp.resolve("bundle"), List.of(pocOci.toString(), "--root", root.toString(), "run", id));
    assertThat(r.out()).isEqualTo("/dev/allowed character special file a:29a 646 7:8\n"
        + "/dev/denied character special file a:29b 666 0:0\n/dev/fifo fifo 0:0 600 0:0\n");
    // the kernel checks the device cgroup before it looks for a driver: allowed reaches "no such device"
    assertThat(r.err()).contains("/dev/allowed': No such device", "/dev/denied': Operation not permitted");
  }

  @Test
  void aMountNamespaceJoinedByPathIsTheContainers() throws Exception {
    Process holder = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sleep", "1000").start();
    String id = TestRootfs.uniqueName("oci");
    try {
      Path ns = Path.of("/proc/" + holder.pid() + "/ns/mnt");
      while (Files.readSymbolicLink(ns).equals(Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")))) {
        Thread.sleep(10); // unshare has not switched yet
      }
      ObjectNode c = config("sleep", "1000");
      for (JsonNode n : c.get("linux").get("namespaces")) {
        if (n.get("type").asText().equals("mount")) {
          ((ObjectNode) n).put("path", ns.toString());
        }
      }
      int init = create(id, c);
      assertThat(Files.readSymbolicLink(Path.of("/proc/" + init + "/ns/mnt"))).isEqualTo(Files.readSymbolicLink(ns));
      assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(tmp.resolve("bundle").toString());
      assertThat(oci("delete", "--force", id).code()).isZero();

      for (JsonNode n : c.get("linux").get("namespaces")) {
        if (n.get("type").asText().equals("mount")) {
          ((ObjectNode) n).put("path", "/proc/self/ns/mnt");
        }
      }
      OciBundles.writeConfig(tmp.resolve("bundle"), c);
      Result own = oci("create", "--bundle", tmp.resolve("bundle").toString(), id);
      assertThat(own.code()).isEqualTo(1);
      assertThat(own.err()).contains("linux.namespaces[4].path", "the runtime's own mount namespace");
    } finally {
      oci("delete", "--force", id);
      holder.destroyForcibly().waitFor();
    }
  }

  @Test
  void withoutAMountNamespaceTheContainerSharesTheHostsAndLeavesNoMountOnIt() throws Exception {
    ObjectNode c = config("sleep", "1000");
    ArrayNode namespaces = ((ObjectNode) c.get("linux")).putArray("namespaces");
    namespaces.addObject().put("type", "pid");
    Files.writeString(tmp.resolve("bundle/rootfs/marker"), "in the bundle\n");
    String id = TestRootfs.uniqueName("oci");
    try {
      int init = create(id, c);
      assertThat(Files.readSymbolicLink(Path.of("/proc/" + init + "/ns/mnt")))
          .isEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")));
      assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(tmp.resolve("bundle").toString());
      assertThat(oci("start", id).code()).isZero();
      Result inside = oci("exec", id, "sh", "-c", "cat /marker; test -e /proc/self/ns/mnt && echo proc; ls /dev/null");
      assertThat(inside.code()).as(inside.err()).isZero();
      assertThat(inside.out()).isEqualTo("in the bundle\nproc\n/dev/null\n");
      assertThat(oci("delete", "--force", id).code()).isZero();
      assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(tmp.resolve("bundle").toString());
    } finally {
      oci("delete", "--force", id);
    }
  }

  /** A Docker userns-remap style map: root inside is 300000 outside, and the engine chowned the rootfs to it. */
  @Test
  void aUserNamespaceGetsTheConfigsMapsAndTheRootfsAsTheEnginePreparedIt() throws Exception {
    ObjectNode c = config("sleep", "1000");
    ((ObjectNode) c.get("root")).put("readonly", false);
    ObjectNode linux = (ObjectNode) c.get("linux");
    ((ArrayNode) linux.get("namespaces")).addObject().put("type", "user");
    linux.putArray("uidMappings").addObject().put("containerID", 0).put("hostID", 300000).put("size", 65536);
    linux.putArray("gidMappings").addObject().put("containerID", 0).put("hostID", 310000).put("size", 65536);
    Process chown = new ProcessBuilder("chown", "-R", "300000:310000", tmp.resolve("bundle/rootfs").toString())
        .inheritIO().start();
    assertThat(chown.waitFor()).isZero();
    // as an engine does (Docker's /var/lib/docker/300000.310000 is 0710 to the remapped root): the
    // mapped root must reach the rootfs, through directories that are root's
    for (Path d : List.of(tmp, tmp.resolve("bundle"))) {
      Files.setPosixFilePermissions(d, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
    }
    String id = TestRootfs.uniqueName("oci");
    try {
      int init = create(id, c);
      assertThat(Files.readString(Path.of("/proc/" + init + "/uid_map")).trim().split("\\s+"))
          .containsExactly("0", "300000", "65536");
      assertThat(Files.readString(Path.of("/proc/" + init + "/gid_map")).trim().split("\\s+"))
          .containsExactly("0", "310000", "65536");
      assertThat(Files.readString(Path.of("/proc/" + init + "/status"))).containsPattern("\nUid:\\s+300000\\s");
      assertThat(oci("start", id).code()).isZero();
      Result inside = oci("exec", id, "sh", "-c", "id -u; id -g; touch /tmp/made && stat -c %u /tmp/made");
      assertThat(inside.code()).as(inside.err()).isZero();
      assertThat(inside.out()).isEqualTo("0\n0\n0\n");
      assertThat(Files.getAttribute(tmp.resolve("bundle/rootfs/tmp/made"), "unix:uid")).isEqualTo(300000);
      assertThat(oci("delete", "--force", id).code()).isZero();
      assertThat(oci("state", id).code()).as("delete removed the record").isNotZero();
      assertThat(CGROUPS.resolve("pids/poc/" + id)).doesNotExist();
    } finally {
      oci("delete", "--force", id);
    }
  }

  @Test
  void domainnameIsTheUtsNamespacesAndTheHostsStaysAsItWas() throws Exception {
    String host = Files.readString(Path.of("/proc/sys/kernel/domainname"));
    ObjectNode c = config("sleep", "1000");
    c.put("domainname", "poc.example");
    String id = TestRootfs.uniqueName("oci");
    try {
      create(id, c);
      Result inside = oci("exec", id, "sh", "-c", "cat /proc/sys/kernel/domainname; hostname");
      assertThat(inside.code()).as(inside.err()).isZero();
      assertThat(inside.out()).isEqualTo("poc.example\nrunc\n");
      assertThat(Files.readString(Path.of("/proc/sys/kernel/domainname"))).isEqualTo(host);
      assertThat(oci("delete", "--force", id).code()).isZero();
      assertThat(oci("state", id).code()).isNotZero();
    } finally {
      oci("delete", "--force", id);
    }
  }

  /** The blkio throttles of the host's first disk; a weight, which needs the CFQ or BFQ scheduler, only where offered. */
  @Test
  void blockIoThrottlesAreWrittenInTheBlkioHierarchyAndDeleteRemovesTheGroup() throws Exception {
    Path blkio = v1("blkio");
    String disk = Files.readString(Path.of("/sys/block/vda/dev")).trim(); // MAJOR:MINOR
    String[] mm = disk.split(":");
    ObjectNode c = config("sleep", "1000");
    ObjectNode io = ((ObjectNode) c.get("linux").get("resources")).putObject("blockIO");
    io.putArray("throttleReadBpsDevice").addObject().put("major", Integer.parseInt(mm[0])).put("minor", Integer.parseInt(mm[1]))
        .put("rate", 1048576);
    io.putArray("throttleWriteIOPSDevice").addObject().put("major", Integer.parseInt(mm[0])).put("minor", Integer.parseInt(mm[1]))
        .put("rate", 300);
    String id = TestRootfs.uniqueName("oci");
    String top = TestRootfs.uniqueName("ociblk");
    ((ObjectNode) c.get("linux")).put("cgroupsPath", "/" + top + "/" + id);
    try {
      int init = create(id, c);
      Path group = blkio.resolve(top + "/" + id);
      assertThat(Files.readString(group.resolve("blkio.throttle.read_bps_device"))).isEqualTo(disk + " 1048576\n");
      assertThat(Files.readString(group.resolve("blkio.throttle.write_iops_device"))).isEqualTo(disk + " 300\n");
      assertThat(Files.readString(Path.of("/proc/" + init + "/cgroup"))).contains(":blkio:/" + top + "/" + id + "\n");
      assertThat(oci("delete", "--force", id).code()).isZero();
      assertThat(blkio.resolve(top)).as("the group and the parent create made").doesNotExist();
    } finally {
      oci("delete", "--force", id);
    }
    if (!Files.exists(blkio.resolve("blkio.weight"))) {
      io.removeAll();
      io.put("weight", 500);
      OciBundles.writeConfig(tmp.resolve("bundle"), c);
      Result refused = oci("create", "--bundle", tmp.resolve("bundle").toString(), id);
      assertThat(refused.code()).isNotZero();
      assertThat(refused.err()).contains("linux.resources.blockIO.weight needs blkio.weight, which this kernel's blkio "
          + "controller does not offer");
      assertThat(blkio.resolve(top)).as("a refused create leaves no group").doesNotExist();
      assertThat(oci("state", id).code()).isNotZero();
    }
  }

  @Test
  void memoryReservationSwapSwappinessAndTheOomKillerGoToTheMemoryGroup() throws Exception {
    Path memory = v1("memory");
    ObjectNode c = config("sleep", "1000");
    ((ObjectNode) c.get("linux").get("resources")).putObject("memory").put("limit", 64L << 20).put("swap", 128L << 20)
        .put("reservation", 32L << 20).put("swappiness", 7).put("disableOOMKiller", true).put("kernelTCP", 16L << 20);
    String id = TestRootfs.uniqueName("oci");
    try {
      create(id, c);
      Path group = memory.resolve("poc/" + id);
      assertThat(Files.readString(group.resolve("memory.limit_in_bytes")).trim()).isEqualTo(Long.toString(64L << 20));
      assertThat(Files.readString(group.resolve("memory.soft_limit_in_bytes")).trim()).isEqualTo(Long.toString(32L << 20));
      assertThat(Files.readString(group.resolve("memory.swappiness")).trim()).isEqualTo("7");
      assertThat(Files.readString(group.resolve("memory.oom_control"))).contains("oom_kill_disable 1\n");
      assertThat(Files.readString(group.resolve("memory.kmem.tcp.limit_in_bytes")).trim()).isEqualTo(Long.toString(16L << 20));
      if (Files.exists(group.resolve("memory.memsw.limit_in_bytes"))) {
        assertThat(Files.readString(group.resolve("memory.memsw.limit_in_bytes")).trim()).isEqualTo(Long.toString(128L << 20));
      }
      assertThat(oci("delete", "--force", id).code()).isZero();
      assertThat(group).doesNotExist();
    } finally {
      oci("delete", "--force", id);
    }
  }

  /** Here hugetlb is on the cgroup2 mount only: the create is refused naming the field, and leaves nothing. */
  @Test
  void hugepageLimitsNeedAV1HugetlbHierarchyAndARefusedCreateLeavesNothing() throws Exception {
    Path pids = v1("pids");
    ObjectNode c = config("sleep", "1000");
    ((ObjectNode) c.get("linux").get("resources")).putArray("hugepageLimits").addObject().put("pageSize", "2MB")
        .put("limit", 4L << 20);
    String id = TestRootfs.uniqueName("oci");
    try {
      Path hugetlb = CGROUPS.resolve("hugetlb");
      if (Files.isRegularFile(hugetlb.resolve("tasks"))) {
        create(id, c);
        assertThat(Files.readString(hugetlb.resolve("poc/" + id + "/hugetlb.2MB.limit_in_bytes")).trim())
            .isEqualTo(Long.toString(4L << 20));
        assertThat(oci("delete", "--force", id).code()).isZero();
        assertThat(hugetlb.resolve("poc/" + id)).doesNotExist();
        return;
      }
      OciBundles.writeConfig(tmp.resolve("bundle"), c);
      Result refused = oci("create", "--bundle", tmp.resolve("bundle").toString(), id);
      assertThat(refused.code()).isNotZero();
      assertThat(refused.err()).contains("linux.resources.hugepageLimits[0] (hugetlb.2MB.limit_in_bytes)",
          "no cgroup v1 hugetlb hierarchy");
      assertThat(oci("state", id).code()).isNotZero();
      assertThat(pids.resolve("poc/" + id)).doesNotExist();
    } finally {
      oci("delete", "--force", id);
    }
  }

  /** A pod's network namespace, owned by the host's user namespace, joined by a container with one of its own. */
  @Test
  void aUserNamespaceContainerJoinsANetworkNamespaceByPath() throws Exception {
    Process holder = new ProcessBuilder("unshare", "--net", "sleep", "1000").start();
    String id = TestRootfs.uniqueName("oci");
    try {
      Path ns = Path.of("/proc/" + holder.pid() + "/ns/net");
      while (Files.readSymbolicLink(ns).equals(Files.readSymbolicLink(Path.of("/proc/self/ns/net")))) {
        Thread.sleep(10);
      }
      ObjectNode c = config("sleep", "1000");
      ObjectNode linux = (ObjectNode) c.get("linux");
      for (JsonNode n : linux.get("namespaces")) {
        if (n.get("type").asText().equals("network")) {
          ((ObjectNode) n).put("path", ns.toString());
        }
      }
      ((ArrayNode) linux.get("namespaces")).addObject().put("type", "user");
      linux.putArray("uidMappings").addObject().put("containerID", 0).put("hostID", 0).put("size", 1);
      linux.putArray("gidMappings").addObject().put("containerID", 0).put("hostID", 0).put("size", 1);
      int init = create(id, c);
      assertThat(Files.readSymbolicLink(Path.of("/proc/" + init + "/ns/net"))).isEqualTo(Files.readSymbolicLink(ns));
      assertThat(Files.readSymbolicLink(Path.of("/proc/" + init + "/ns/user")))
          .isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/user")));
      assertThat(Files.readString(Path.of("/proc/" + init + "/uid_map")).trim().split("\\s+")).containsExactly("0", "0", "1");
      assertThat(oci("delete", "--force", id).code()).isZero();
      assertThat(oci("state", id).code()).isNotZero();
    } finally {
      oci("delete", "--force", id);
      holder.destroyForcibly().waitFor();
    }
  }
}
