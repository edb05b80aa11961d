package dev.poc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The published runc escapes, each tried for real from inside a container. The mount-destination
 * classes (CVE-2021-30465, CVE-2019-19921, CVE-2023-27561, CVE-2023-28642) and masks bound from a
 * swapped /dev/null (CVE-2025-31133) are tried by {@link HostileRootfsTest}; /proc/self/exe
 * (CVE-2019-5736) by {@link IsolationTest}.
 */
class RuntimeEscapesTest extends RuntimeTestBase {
  private static Run inBusybox(String script) throws Exception {
    return Run.of(busybox("esc", script));
  }

  /** CVE-2024-21626: a descriptor of the runtime left open into the container, reached through /proc/self/fd. */
  @Test
  void noDescriptorOfTheJvmTheHelperOrTheHostReachesTheCommand() throws Exception {
    Run r = inBusybox("ls /proc/$$/fd; echo --; for f in /proc/$$/fd/*; do readlink $f; done; echo --; readlink /proc/$$/cwd");
    List<String> parts = Arrays.asList(r.out.split("--\n"));
    assertThat(parts.get(0).split("\n")).as(r.toString()).containsExactly("0", "1", "2");
    assertThat(parts.get(1).split("\n")).as(r.toString()).allMatch(l -> l.matches("pipe:\\[\\d+\\]"));
    assertThat(parts.get(2)).isEqualTo("/\n");
  }

  @Test
  void aWorkingDirectoryUnderProcIsRefusedBeforeAnythingStarts() {
    assertThatThrownBy(() -> busybox("esc", "true").cwd("/proc/self/fd/7").start())
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("cwd '/proc/self/fd/7' is under /proc");
  }

  /** CVE-2016-9962: the init, a process of the runtime's, reachable through ptrace or /proc/1. */
  @Test
  void theInitIsOutOfReachOfTheContainersProcesses() throws Exception {
    Run r = inBusybox("cat /proc/1/environ >/dev/null 2>&1 && echo ENVIRON; readlink /proc/1/fd/0 >/dev/null 2>&1 && echo FD; "
        + "readlink /proc/1/exe >/dev/null 2>&1 && echo EXE; ls /proc/1/root/ >/dev/null 2>&1 && echo ROOT; "
        + "cat /proc/1/mem >/dev/null 2>&1 && echo MEM; tr '\\0' ' ' < /proc/1/cmdline; echo");
    assertThat(r.out).as(r.toString()).doesNotContain("ENVIRON", "FD", "EXE", "ROOT", "MEM");
    assertThat(r.out).as("the init's command line shows no host path").doesNotContain("/run/poc").doesNotContain("/tmp");
  }

  /** CVE-2022-29162: inheritable (and ambient) capabilities that an exec'd program turns into effective ones. */
  @Test
  void inheritableAndAmbientCapabilitiesAreEmptyForRootAndNoneAtAllForAnotherUser() throws Exception {
    String caps = "grep -E '^Cap(Inh|Prm|Eff|Amb)' /proc/self/status";
    Run root = inBusybox(caps);
    assertThat(root.out).contains("CapInh:\t0000000000000000").contains("CapAmb:\t0000000000000000");
    Run user = Run.of(busybox("esc", caps).user(1000, 1000));
    assertThat(user.out.split("\n")).as(user.toString()).hasSize(4).allMatch(l -> l.endsWith("\t0000000000000000"));
  }
}
