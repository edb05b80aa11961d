package dev.poc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.poc.OciBundles.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code create --preserve-fds N} and {@code run --preserve-fds N}: the caller's fds 3 to N+2 reach
 * the command, and no other (the caller's fd N+3 stays out), through the JVM's create and through
 * the create server (where the front execs poc-init). The caller is a shell that opens its fds
 * 3, 4 and 5 on files, then execs poc-oci.
 */
class OciPreserveFdsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String READS_FDS =
      "cat <&3; cat <&4; if [ -L /proc/self/fd/5 ]; then echo fd5-open; else echo fd5-closed; fi";

  @TempDir
  Path tmp;

  @AfterEach
  void stopServer() throws IOException {
    OciBundles.stopServers(tmp);
  }

  /** Runs poc-oci from a shell holding fds 3, 4 and 5 (files saying three, four, five). */
  private Result withFds(Path launcher, String... args) throws IOException, InterruptedException {
    Files.writeString(tmp.resolve("f3"), "three\n");
    Files.writeString(tmp.resolve("f4"), "four\n");
    Files.writeString(tmp.resolve("f5"), "five\n");
    // POC_OCI_FRONT_DEBUG: the front says when it hands a create to the JVM
    List<String> cmd = new ArrayList<>(List.of("/bin/bash", "-c", "exec 3<f3 4<f4 5<f5; POC_OCI_FRONT_DEBUG=1 exec \"$@\"", "caller",
        launcher.toString(), "--root", tmp.resolve("state").toString()));
    cmd.addAll(List.of(args));
    return OciBundles.run(tmp, cmd);
  }

  private Result oci(Path launcher, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(launcher.toString(), "--root", tmp.resolve("state").toString()));
    cmd.addAll(List.of(args));
    return OciBundles.run(tmp, cmd);
  }

  @Test
  void runPassesTheFirstNFdsOfTheCallerAndNoOther() throws Exception {
    Path bundle = OciBundles.bundle(tmp.resolve("bundle"), "sh", "-c", READS_FDS);
    Result r = withFds(OciBundles.launcher(tmp), "run", "--preserve-fds", "2", "--bundle", bundle.toString(),
        TestRootfs.uniqueName("fds"));
    assertThat(r.code()).as("run: %s", r.err()).isZero();
    assertThat(r.out()).isEqualTo("three\nfour\nfd5-closed\n");
  }

  @Test
  void withoutTheFlagNoFdOfTheCallerReachesTheCommand() throws Exception {
    Path bundle = OciBundles.bundle(tmp.resolve("bundle"), "sh", "-c",
        "for f in 3 4 5; do [ -L /proc/self/fd/$f ] && echo fd$f-open; done; echo done");
    Result r = withFds(OciBundles.launcher(tmp), "run", "--bundle", bundle.toString(), TestRootfs.uniqueName("fds"));
    assertThat(r.code()).as("run: %s", r.err()).isZero();
    assertThat(r.out()).isEqualTo("done\n");
  }

  @Test
  void createPassesThemThroughTheJvmAndTheCreateServer() throws Exception {
    Path launcher = OciBundles.frontLauncherWithServer(tmp);
    // the first create finds no server (the JVM creates, and starts one), the second is served
    createsWithFds(launcher, "jvm");
    OciBundles.awaitServer(tmp);
    createsWithFds(launcher, "served");
    assertThat(OciBundles.serverRan(tmp)).isTrue();
  }

  private void createsWithFds(Path launcher, String name) throws Exception {
    Path bundle = OciBundles.bundle(tmp.resolve("bundle-" + name), "sh", "-c", "{ " + READS_FDS + "; } > /tmp/out");
    com.fasterxml.jackson.databind.node.ObjectNode config =
        (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
    ((com.fasterxml.jackson.databind.node.ObjectNode) config.get("root")).put("readonly", false);
    OciBundles.writeConfig(bundle, config);
    String id = TestRootfs.uniqueName("fds");
    Result create = withFds(launcher, "create", "--preserve-fds", "2", "--bundle", bundle.toString(), id);
    assertThat(create.code()).as("create: %s", create.err()).isZero();
    if (name.equals("served")) {
      assertThat(create.err()).as("served, not handed to the JVM").doesNotContain("to the JVM");
    }
    assertThat(oci(launcher, "start", id).code()).isZero();
    while (!JSON.readTree(oci(launcher, "state", id).out()).get("status").asText().equals("stopped")) {
      Thread.sleep(20);
    }
    assertThat(Files.readString(bundle.resolve("rootfs/tmp/out"))).isEqualTo("three\nfour\nfd5-closed\n");
    assertThat(oci(launcher, "delete", id).code()).isZero();
  }

  @Test
  void onlyTheCommandHoldsThemNoHookAndNotTheInitOnceTheCommandRuns() throws Exception {
    Path launcher = OciBundles.launcher(tmp);
    Path bundle = OciBundles.bundle(tmp.resolve("bundle"), "sh", "-c", "cat <&3 > /tmp/out; exec sleep 600");
    com.fasterxml.jackson.databind.node.ObjectNode config =
        (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
    ((com.fasterxml.jackson.databind.node.ObjectNode) config.get("root")).put("readonly", false);
    Path hookFds = tmp.resolve("hook-fds");
    // the hook's own fds, as ls (its child) inherits them
    com.fasterxml.jackson.databind.node.ObjectNode hook = config.putObject("hooks").putArray("createContainer").addObject();
    hook.put("path", "/bin/sh").putArray("args").add("sh").add("-c").add("ls -l /proc/self/fd/ > " + hookFds);
    OciBundles.writeConfig(bundle, config);
    String id = TestRootfs.uniqueName("fds");
    Result create = withFds(launcher, "create", "--preserve-fds", "2", "--bundle", bundle.toString(), id);
    assertThat(create.code()).as("create: %s", create.err()).isZero();
    try {
      assertThat(Files.readString(hookFds)).as("the createContainer hook's fds").contains("/proc/")
          .doesNotContain(tmp.resolve("f3").toString()).doesNotContain(tmp.resolve("f4").toString());
      int pid = JSON.readTree(oci(launcher, "state", id).out()).get("pid").asInt();
      assertThat(fdTargets(pid)).as("the waiting init holds them for the command").contains(tmp.resolve("f3").toString());
      assertThat(oci(launcher, "start", id).code()).isZero();
      Path out = bundle.resolve("rootfs/tmp/out");
      while (!Files.exists(out) || Files.size(out) == 0) {
        Thread.sleep(20);
      }
      assertThat(Files.readString(out)).isEqualTo("three\n");
      assertThat(fdTargets(pid)).as("the init, once the command runs").doesNotContain(tmp.resolve("f3").toString())
          .doesNotContain(tmp.resolve("f4").toString());
    } finally {
      oci(launcher, "delete", "--force", id);
    }
  }

  /** What the fds of process {@code pid} point at. */
  private static List<String> fdTargets(int pid) throws IOException {
    List<String> out = new ArrayList<>();
    try (var fds = Files.list(Path.of("/proc", Integer.toString(pid), "fd"))) {
      for (Path fd : fds.toList()) {
        try {
          out.add(Files.readSymbolicLink(fd).toString());
        } catch (IOException closedMeanwhile) {
          // gone between the listing and the read
        }
      }
    }
    return out;
  }

  @Test
  void theFrontRefusesToPassAnFdTheCallerDidNotOpen() throws Exception {
    Path bundle = OciBundles.bundle(tmp.resolve("bundle"), "true");
    String id = TestRootfs.uniqueName("fds");
    Result r = withFds(OciBundles.frontLauncherWithServer(tmp), "create", "--preserve-fds", "4", "--bundle",
        bundle.toString(), id);
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("create --preserve-fds 4: fd 6 is not open");
    assertThat(tmp.resolve("state").resolve(id)).doesNotExist();
  }
}
