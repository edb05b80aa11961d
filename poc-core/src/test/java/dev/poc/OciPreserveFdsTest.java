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
