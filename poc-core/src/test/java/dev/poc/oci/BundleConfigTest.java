package dev.poc.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poc.Capability;
import dev.poc.ContainerSpec;
import dev.poc.InvalidSpecException;
import dev.poc.Namespace;
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
    assertThat(s.resources().cpus()).hasValue(0.5);
    assertThat(s.resources().pids()).hasValue(64);
    assertThat(s.rootfs().toString()).contains("read-only");
    assertThat(s.detached()).isTrue();
    assertThat(c.notes()).anySatisfy(n -> assertThat(n).contains("cgroupsPath '/docker/c1'"));
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
  void joinsANamespaceByPathButNeverAMountNamespace() throws IOException {
    String joinNet = "{\"type\": \"network\", \"path\": \"/proc/self/ns/net\"}";
    BundleConfig c = read(config(CAPS, "\"cgroupsPath\": \"/x\"", "").replace("{\"type\": \"network\"}", joinNet));
    assertThat(c.spec().namespaces()).contains(Namespace.NET);
    assertThatThrownBy(() -> read(config(CAPS, "\"cgroupsPath\": \"/x\"", "")
        .replace("{\"type\": \"mount\"}", "{\"type\": \"mount\", \"path\": \"/proc/self/ns/mnt\"}")))
        .hasMessageContaining("linux.namespaces[1].path joins a mount namespace");
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
    assertThatThrownBy(() -> read(config(CAPS, "\"resources\": {\"blockIO\": {\"weight\": 300}}", "")))
        .hasMessageContaining("linux.resources.blockIO is not supported yet");
  }

  @Test
  void refusesWhatItCannotHonour() {
    assertThatThrownBy(() -> read(config(CAPS, "\"sysctl\": {\"kernel.panic\": \"1\"}", "")))
        .hasMessageContaining("linux.sysctl.kernel.panic is not namespaced");
    assertThatThrownBy(() -> read(config(CAPS, "\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\"}",
        ", \"hooks\": {\"createContainer\": [{\"path\": \"/bin/true\"}]}")))
        .hasMessageContaining("hooks.createContainer");
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
    assertThat(c.notes()).anyMatch(n -> n.contains("memory.swap 67108864: poc gives the container no swap"));
  }
}
