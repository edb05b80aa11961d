package dev.poc.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostFactsTest {
  @TempDir
  Path dir;

  @Test
  void parsesRssAndPssFromSmapsRollup() {
    ProcessMemory m = ProcessMemory.parse("""
        00400000-7fff0000 ---p 00000000 00:00 0    [rollup]
        Rss:                 256 kB
        Pss:                  97 kB
        Pss_Anon:             40 kB
        """);
    assertThat(m).isEqualTo(new ProcessMemory(256 * 1024, 97 * 1024));
    assertThat(m.plus(m).pssBytes()).isEqualTo(194 * 1024);
    assertThatThrownBy(() -> ProcessMemory.parse("Size: 4 kB\n")).hasMessageContaining("no Rss:/Pss:");
  }

  @Test
  void namesAreUniqueShortAndShareTheRunsPrefix() {
    Names names = new Names("pabc");
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      seen.add(names.next());
    }
    assertThat(seen).doesNotHaveDuplicates().allMatch(n -> n.startsWith("pabc") && n.length() == 8);
    assertThat(seen.get(0)).isEqualTo("pabc0000");
    assertThat(seen.get(36)).isEqualTo("pabc0010");
    assertThat(new Names().prefix()).matches("p[0-9a-f]{3}");
  }

  @Test
  void ociBundleMirrorsPocInitsSetup() throws Exception {
    OciBundle.write(dir, Path.of("/rootfs"), List.of("/bin/true"), OptionalLong.of(64L << 20));
    JsonNode c = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
    assertThat(c.at("/root/path").asText()).isEqualTo("/rootfs");
    assertThat(c.at("/process/args/0").asText()).isEqualTo("/bin/true");
    assertThat(c.at("/process/terminal").asBoolean()).isFalse();
    assertThat(c.at("/process/noNewPrivileges").asBoolean()).isTrue();
    for (String set : List.of("bounding", "effective", "permitted")) {
      assertThat(c.at("/process/capabilities/" + set).size()).isEqualTo(14);
    }
    List<String> ns = new ArrayList<>();
    c.at("/linux/namespaces").forEach(n -> ns.add(n.get("type").asText()));
    assertThat(ns).containsExactlyInAnyOrder("pid", "ipc", "uts", "mount", "network");
    List<String> mounts = new ArrayList<>();
    c.at("/mounts").forEach(m -> mounts.add(m.get("destination").asText()));
    assertThat(mounts).containsExactly("/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys",
        "/etc/hosts", "/etc/hostname", "/etc/resolv.conf");
    assertThat(c.at("/linux/maskedPaths").size()).isEqualTo(OciBundle.MASKED.size());
    assertThat(c.at("/linux/readonlyPaths").size()).isEqualTo(OciBundle.READ_ONLY.size());
    assertThat(c.at("/linux/resources/memory/limit").asLong()).isEqualTo(64L << 20);
    // poc's own default: Docker's allow-list, settled for the 14 capabilities (no includes/excludes left)
    assertThat(c.at("/linux/seccomp/defaultAction").asText()).isEqualTo("SCMP_ACT_ERRNO");
    assertThat(c.at("/linux/seccomp/syscalls/0/names").size()).isGreaterThan(300);
    assertThat(c.at("/linux/seccomp").toString()).doesNotContain("includes").doesNotContain("\"kcmp\"");
    assertThat(Files.readString(dir.resolve("etc-files/hostname"))).isEqualTo("bench\n");
  }

  @Test
  void ociBundleWithoutALimitHasNoResources() throws Exception {
    OciBundle.write(dir, Path.of("/rootfs"), List.of("/bin/true"), OptionalLong.empty());
    assertThat(new ObjectMapper().readTree(dir.resolve("config.json").toFile()).at("/linux/resources").isMissingNode()).isTrue();
  }

  @Test
  void crunsWrapperPassesItsCommandThroughUnquoted() {
    assertThat(OciRuntime.hybridWrapper()).containsExactly("unshare", "-m", "sh", "-c",
        "umount /sys/fs/cgroup/unified && exec \"$@\"", "sh");
  }
}
