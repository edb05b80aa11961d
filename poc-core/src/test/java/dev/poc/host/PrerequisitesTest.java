package dev.poc.host;

import dev.poc.ContainerRuntime;
import dev.poc.MissingPrivilegeException;
import dev.poc.PocException;
import dev.poc.launch.Release;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The up-front checks, against stand-in /proc files (pure logic), and a real unprivileged JVM. */
class PrerequisitesTest {
  @TempDir Path dir;

  private Path status(String capEff) throws Exception {
    return Files.writeString(dir.resolve("status"), "Name:\tjava\nCapEff:\t" + capEff + "\n");
  }

  private Path ns(String... present) throws Exception {
    Path ns = Files.createDirectories(dir.resolve("ns"));
    for (String p : present) {
      Files.writeString(ns.resolve(p), "");
    }
    return ns;
  }

  @Test
  void notRootIsToldToUseRoot() throws Exception {
    assertThatThrownBy(() -> Prerequisites.check(status("0000003fffffffff"), ns("pid", "ipc", "mnt", "uts", "net"), 1000))
        .isInstanceOf(MissingPrivilegeException.class)
        .hasMessageContaining("poc needs root").hasMessageContaining("euid is 1000").hasMessageContaining("sudo");
  }

  @Test
  void aMissingCapabilityIsNamed() throws Exception {
    // Everything but CAP_SYS_ADMIN (21) and CAP_NET_ADMIN (12).
    String caps = Long.toHexString(0x3fffffffffL & ~(1L << 21) & ~(1L << 12));
    assertThatThrownBy(() -> Prerequisites.check(status(caps), ns("pid", "ipc", "mnt", "uts", "net"), 0))
        .isInstanceOf(MissingPrivilegeException.class)
        .hasMessageContaining("CAP_NET_ADMIN, CAP_SYS_ADMIN");
  }

  @Test
  void aKernelWithoutANamespaceIsNamed() throws Exception {
    assertThatThrownBy(() -> Prerequisites.check(status("0000003fffffffff"), ns("pid", "ipc", "mnt", "uts"), 0))
        .isInstanceOf(MissingPrivilegeException.class)
        .hasMessageContaining("no NET namespace").hasMessageContaining("CONFIG_NET_NS");
  }

  @Test
  void thisMachinePasses() {
    assertThatCode(Prerequisites::check).doesNotThrowAnyException();
  }

  @Test
  void aJvmWithoutCapabilitiesIsToldWhichItLacks() throws Exception {
    // A real JVM as root with an empty bounding set: euid 0, but no capability at all.
    Process p = new ProcessBuilder("setpriv", "--bounding-set=-all", "--inh-caps=-all",
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), NoCapsMain.class.getName())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    org.assertj.core.api.Assertions.assertThat(out).contains("MissingPrivilegeException")
        .contains("this process lacks CAP_CHOWN").contains("CAP_SYS_ADMIN");
  }

  /** Runs in the capability-less JVM: try to start a container and print what happened. */
  public static final class NoCapsMain {
    public static void main(String[] args) throws Exception {
      Path state = Files.createTempDirectory("poc-nocaps");
      try (ContainerRuntime rt = ContainerRuntime.open(state)) {
        rt.container().name("nocaps").command("true").start().close();
        System.out.println("STARTED");
      } catch (PocException e) {
        System.out.println(e.getClass().getSimpleName() + ": " + e.getMessage());
      } finally {
        Release.deleteTree(state);
      }
    }
  }
}
