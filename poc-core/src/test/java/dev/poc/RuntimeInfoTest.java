package dev.poc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ContainerRuntime#info()} on this machine, which the test command ({@code ./run-tests})
 * has given every tool: everything the suite uses says yes, and info creates nothing.
 */
class RuntimeInfoTest {
  @TempDir
  Path tmp;

  @Test
  void describesThisMachine() throws IOException {
    RuntimeInfo info = ContainerRuntime.info(tmp.resolve("state"), NetworkSettings.defaults());
    assertThat(info.kernel()).isEqualTo(Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim());
    dev.poc.cgroup.CgroupLayout layout = dev.poc.cgroup.CgroupLayout.detect();
    assertThat(info.cgroupMode()).isEqualTo(layout.unified().isPresent()
        ? (layout.v1().isEmpty() ? RuntimeInfo.CgroupMode.V2 : RuntimeInfo.CgroupMode.HYBRID) : RuntimeInfo.CgroupMode.V1);
    assertThat(info.stateRoot()).isEqualTo(tmp.resolve("state"));
    assertThat(info.stateRootFreeBytes()).isPositive().isLessThanOrEqualTo(Files.getFileStore(tmp).getTotalSpace());
    // root, with iptables, e2fsprogs, debootstrap and loop devices: what the suite runs on
    for (String name : List.of("privileges", "namespaces", "user namespaces", "loop devices", "iptables", "state root",
        "cgroup driver", "cgroup memory", "rootfs host", "rootfs disk", "image debootstrap", "network net-disabled",
        "network net-default", "network net-bridge")) {
      assertThat(info.check(name)).as(name).hasValueSatisfying(c -> assertThat(c.ok()).as(c.line()).isTrue());
    }
    assertThat(info.check("iptables").orElseThrow().detail()).matches("iptables v[0-9.]+ \\((nf_tables|legacy)\\) at .*");
    assertThat(info.check("namespaces").orElseThrow().detail()).startsWith("pid ipc mnt uts net");
    assertThat(info.checks()).extracting(Check::name).doesNotHaveDuplicates();
    assertThat(Files.exists(tmp.resolve("state"))).as("info creates nothing").isFalse();
  }

  @Test
  void aLineSaysYesOrNoWithTheFix() {
    assertThat(Check.yes("rootfs host", "the host's /usr").line()).isEqualTo("rootfs host: yes: the host's /usr");
    assertThat(Check.no("loop devices", "/dev/loop-control is missing", "modprobe loop").line())
        .isEqualTo("loop devices: no: /dev/loop-control is missing; fix: modprobe loop");
  }
}
