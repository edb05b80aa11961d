package dev.poc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.poc.junit.PathWithout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code poc info} as a user runs it: on this machine, with iptables hidden from PATH, and with a
 * state root on a full tmpfs; and the README's quick start with iptables hidden: net-disabled
 * runs, net-bridge says in one line which package to install and makes nothing.
 */
class InfoIT {
  private static final String IPTABLES_FIX = "apt-get install iptables (dnf install iptables-nft)";
  private static Cli cli;
  /** A PATH of one directory: a link to every program of the usual directories but iptables*. */
  private static Map<String, String> noIptables;

  /** A PATH of one directory: a link to every program of the usual directories but debootstrap. */
  private static Map<String, String> noDebootstrap;

  @BeforeAll
  static void setUp() throws Exception {
    cli = new Cli();
    noIptables = Map.of("PATH", pathWithout("iptables").toString());
    noDebootstrap = Map.of("PATH", pathWithout("debootstrap").toString());
  }

  private static Path pathWithout(String hidden) throws IOException {
    return PathWithout.make(cli.tempDir("poc-path-without-" + hidden + "-"), hidden);
  }

  @AfterAll
  static void tearDown() throws IOException {
    if (cli != null) {
      cli.close();
    }
  }

  private static JsonNode info(Map<String, String> env, String... more) throws Exception {
    List<String> args = new java.util.ArrayList<>(List.of("info", "--format", "json"));
    args.addAll(List.of(more));
    Cli.Result r = cli.runWith(env, args.toArray(new String[0]));
    assertThat(r.code()).as(r.toString()).isZero();
    return new ObjectMapper().readTree(r.out());
  }

  private static JsonNode check(JsonNode info, String name) {
    for (String section : List.of("host", "cgroups", "rootfs", "networks")) {
      for (JsonNode c : info.get(section)) {
        if (c.get("name").asText().equals(name)) {
          return c;
        }
      }
    }
    throw new AssertionError("no check '" + name + "' in " + info);
  }

  @Test
  void onThisMachineEverythingTheSuiteUsesSaysYes() throws Exception {
    JsonNode info = info(Map.of());
    assertThat(info.get("kernel").asText()).isEqualTo(Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim());
    assertThat(info.get("cgroupMode").asText()).isIn("v1", "v2", "hybrid");
    assertThat(info.get("stateRoot").asText()).isEqualTo(cli.stateRoot().toString());
    for (String name : List.of("privileges", "iptables", "loop devices", "state root", "rootfs disk",
        "network net-disabled", "network net-default", "network net-bridge")) {
      assertThat(check(info, name).get("ok").asBoolean()).as(check(info, name).toString()).isTrue();
    }
    assertThat(check(info, "iptables").get("detail").asText()).matches("iptables v\\S+ \\((nf_tables|legacy)\\) at \\S+");
    Cli.Result text = cli.run("info");
    assertThat(text.out()).contains("Kernel:").containsPattern("(?m)^  yes  network net-bridge +bridge ");
  }

  @Test
  void withoutIptablesInPathTheNetworksSayWhichPackage() throws Exception {
    JsonNode info = info(noIptables);
    JsonNode iptables = check(info, "iptables");
    assertThat(iptables.get("ok").asBoolean()).isFalse();
    assertThat(iptables.get("detail").asText()).isEqualTo("iptables is not installed (not in PATH)");
    assertThat(iptables.get("fix").asText()).isEqualTo(IPTABLES_FIX);
    for (String mode : List.of("net-default", "net-bridge")) {
      JsonNode net = check(info, "network " + mode);
      assertThat(net.get("ok").asBoolean()).isFalse();
      assertThat(net.get("detail").asText()).isEqualTo("needs iptables: iptables is not installed (not in PATH)");
      assertThat(net.get("fix").asText()).isEqualTo(IPTABLES_FIX + ", or use net-disabled");
    }
    assertThat(check(info, "network net-disabled").get("ok").asBoolean()).isTrue();
    assertThat(info.get("problems").findValuesAsText("name")).contains("iptables", "network net-bridge");
  }

  @Test
  void aStateRootOnAFullFilesystemSaysSoAndWhatToDo() throws Exception {
    Path mount = cli.tempDir("poc-full-tmpfs-");
    exec("mount", "-t", "tmpfs", "-o", "size=256k", "poc-info-it", mount.toString());
    try {
      exec("sh", "-c", "cat /dev/zero > " + mount.resolve("filler") + " 2>/dev/null; true");
      Path root = mount.resolve("state");
      JsonNode state = check(info(Map.of(), "--state-root", root.toString()), "state root");
      assertThat(state.get("ok").asBoolean()).isFalse();
      assertThat(state.get("detail").asText()).isEqualTo(root + " (tmpfs) has only 0B free (poc wants 64.0M)");
      assertThat(state.get("fix").asText()).startsWith("free space on that filesystem, or pick another with --state-root DIR");
      assertThat(Files.exists(root)).as("info creates nothing").isFalse();
    } finally {
      exec("umount", mount.toString());
    }
  }

  @Test
  void theQuickStartRunsWithoutIptablesAndNetBridgeNamesThePackage() throws Exception {
    String line = Readme.commands("Quick start").get(1);
    assertThat(line).contains(" net-disabled hello ");
    String hello = Cli.name("hello");
    Cli.Result ok = quickStart(line.replace(" hello ", " " + hello + " "));
    assertThat(ok.code()).as(ok.toString()).isZero();
    assertThat(ok.out()).isEqualTo("hi from " + hello + ", PID 2\n");

    String bridged = Cli.name("hello");
    Cli.Result refused = quickStart(line.replace(" net-disabled hello ", " net-bridge " + bridged + " "));
    assertThat(refused.code()).as(refused.toString()).isEqualTo(125);
    assertThat(refused.err()).isEqualTo("poc: network net-bridge needs iptables: iptables is not installed (not in PATH): "
        + IPTABLES_FIX + ", or use net-disabled\n");
    assertThat(cli.stateRoot().resolve("run").resolve(bridged)).as("nothing was made").doesNotExist();
  }

  @Test
  void aDebootstrapImageWithoutDebootstrapNamesThePackageAndMakesNothing() throws Exception {
    String image = Cli.name("deb");
    Cli.Result r = cli.runWith(noDebootstrap, "init", "--image", image);
    assertThat(r.code()).as(r.toString()).isEqualTo(125);
    assertThat(r.err()).isEqualTo("poc: image debootstrap needs debootstrap, which is not installed (not in PATH):"
        + " apt-get install debootstrap (or make image '" + image + "' another way: from a tarball, the host's programs,"
        + " or a Dockerfile)\n");
    assertThat(cli.stateRoot().resolve("images").resolve(image)).as("nothing was made").doesNotExist();
    assertThat(check(info(noDebootstrap), "image debootstrap").get("fix").asText()).isEqualTo("apt-get install debootstrap");
  }

  @Test
  void aDiskWithoutMkfsNamesThePackageAndMakesNothing() throws Exception {
    String name = Cli.name("disk");
    Cli.Result r = cli.runWith(Map.of("PATH", pathWithout("mkfs").toString()), "build", name, "disk-size", "1G");
    assertThat(r.code()).as(r.toString()).isEqualTo(125);
    assertThat(r.err().lines().filter(l -> l.startsWith("poc:"))).as(r.toString()).containsExactly(
        "poc: rootfs disk needs mkfs.ext4, which is not installed (not in PATH): apt-get install e2fsprogs");
    assertThat(cli.stateRoot().resolve("containers").resolve(name)).as("nothing was made").doesNotExist();
  }

  /** A README line typed at the repository root as root (sudo would reset PATH) with iptables hidden. */
  private static Cli.Result quickStart(String line) throws Exception {
    Cli.Result r = cli.exec(List.of("bash", "-c", "cd " + Cli.launcher().getParent() + " && " + line.replace("sudo ", "")),
        null, noIptables);
    System.out.println("$ " + line + "\n" + r);
    return r;
  }

  private static void exec(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(String.join(" ", command) + ": " + out).isZero();
  }
}
