package dev.poc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** run's --security-opt seccomp=..., --cap-add, --cap-drop and --privileged, through the packaged jar. */
class SecurityOptIT {
  private static Cli cli;

  @BeforeAll
  static void setUp() throws Exception {
    cli = new Cli();
  }

  @AfterAll
  static void tearDown() throws Exception {
    cli.close();
  }

  @Test
  void aProfileFileRefusesMkdirAndUnconfinedRemovesTheFilter() throws Exception {
    Path dir = cli.tempDir("poc-cli-seccomp-");
    Path profile = dir.resolve("no-mkdir.json");
    Files.writeString(profile, "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\", "
        + "\"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13}]}");
    String root = cli.busyboxRoot().toString();
    Cli.Result denied = cli.run("run", "--rootfs", root, "--security-opt", "seccomp=" + profile, "net-disabled",
        Cli.name("sec"), "sh", "-c", "mkdir /tmp/x 2>&1; echo done");
    assertThat(denied.code()).as(denied.toString()).isZero();
    assertThat(denied.out()).contains("Permission denied").contains("done");
    Cli.Result unconfined = cli.run("run", "--rootfs", root, "--security-opt", "seccomp=unconfined", "net-disabled",
        Cli.name("sec"), "grep", "Seccomp:", "/proc/self/status");
    assertThat(unconfined.out()).contains("Seccomp:\t0");
    Cli.Result byDefault = cli.run("run", "--rootfs", root, "net-disabled", Cli.name("sec"), "grep", "Seccomp:",
        "/proc/self/status");
    assertThat(byDefault.out()).contains("Seccomp:\t2");
  }

  @Test
  void aBadProfileIsAUsageErrorNamingTheFileAndField() throws Exception {
    Path profile = cli.tempDir("poc-cli-seccomp-").resolve("trace.json");
    Files.writeString(profile, "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"ptrace\"], "
        + "\"action\": \"SCMP_ACT_TRACE\"}]}");
    Cli.Result r = cli.run("run", "--host-rootfs", "--security-opt", "seccomp=" + profile, "net-disabled",
        Cli.name("sec"), "true");
    assertThat(r.code()).as(r.toString()).isEqualTo(2);
    assertThat(r.err()).contains(profile.toString()).contains("syscalls[0].action").contains("SCMP_ACT_TRACE");
    Cli.Result opt = cli.run("run", "--host-rootfs", "--security-opt", "apparmor=x", "net-disabled", Cli.name("sec"), "true");
    assertThat(opt.code()).isEqualTo(2);
    assertThat(opt.err()).contains("--security-opt seccomp=PROFILE.json");
  }

  @Test
  void capabilitiesComeAndGo() throws Exception {
    String root = cli.busyboxRoot().toString();
    Cli.Result r = cli.run("run", "--rootfs", root, "--cap-drop", "ALL", "--cap-add", "NET_ADMIN", "net-disabled",
        Cli.name("cap"), "grep", "CapEff:", "/proc/self/status");
    assertThat(r.out()).as(r.toString()).contains("CapEff:\t0000000000001000");
    Cli.Result priv = cli.run("run", "--rootfs", root, "--privileged", "net-disabled", Cli.name("cap"), "sh", "-c",
        "grep -E 'CapEff|Seccomp:' /proc/self/status");
    // every capability this machine gives poc itself
    String ours = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("CapBnd:"))
        .findFirst().orElseThrow().substring("CapBnd:".length()).trim();
    assertThat(priv.out()).as(priv.toString()).contains("CapEff:\t" + ours).contains("Seccomp:\t0");
    Cli.Result bad = cli.run("run", "--host-rootfs", "--cap-add", "SYS_ADMINN", "net-disabled", Cli.name("cap"), "true");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("'SYS_ADMINN' is not a Linux capability");
  }
}
