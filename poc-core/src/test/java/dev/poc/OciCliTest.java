package dev.poc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poc.OciBundles.Result;
import dev.poc.host.Tool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * poc-oci driven as an engine drives it: a separate process per verb, on a bundle made at test
 * time, with its own --root. The container's stdio is the create process's, here files.
 */
class OciCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();

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

  private JsonNode state(String id) throws IOException, InterruptedException {
    Result r = oci("state", id);
    assertThat(r.code()).as("state %s: %s", id, r.err()).isZero();
    return JSON.readTree(r.out());
  }

  /** Polls (no time limit of its own: the test's timeout is the build's) until the container stops. */
  private void awaitStopped(String id) throws IOException, InterruptedException {
    while (!state(id).get("status").asText().equals("stopped")) {
      Thread.sleep(20);
    }
  }

  @Test
  void createWaitsUntilStartThenTheCommandRunsAndDeleteRemovesEverything() throws Exception {
    Path marker = tmp.resolve("bundle/rootfs/tmp/ran");
    Path bundle = OciBundles.bundle(tmp.resolve("bundle"), "sh", "-c", "echo out-$(hostname); echo err >&2; touch /tmp/ran");
    // runc spec's root is read-only: give this one a writable root so the command can leave a mark
    ObjectNode config = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
    ((ObjectNode) config.get("root")).put("readonly", false);
    OciBundles.writeConfig(bundle, config);
    String id = TestRootfs.uniqueName("oci");
    Path out = tmp.resolve("container.out");
    Path err = tmp.resolve("container.err");
    Process create = new ProcessBuilder(pocOci.toString(), "--root", root.toString(), "create", "--bundle",
        bundle.toString(), "--pid-file", tmp.resolve("pid").toString(), id)
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertThat(create.waitFor()).as("create: %s", Files.readString(err)).isZero();

    JsonNode created = state(id);
    assertThat(created.get("status").asText()).as("status after create (container stderr: %s)", Files.readString(err))
        .isEqualTo("created");
    assertThat(created.get("pid").asInt()).isPositive();
    assertThat(Files.readString(tmp.resolve("pid")).trim()).isEqualTo(created.get("pid").asText());
    assertThat(created.get("bundle").asText()).isEqualTo(bundle.toString());
    assertThat(marker).as("the command must not run before start").doesNotExist();

    assertThat(oci("start", id).code()).isZero();
    awaitStopped(id);
    assertThat(marker).exists();
    assertThat(Files.readString(out)).isEqualTo("out-runc\n");
    assertThat(Files.readString(err)).isEqualTo("err\n");
    assertThat(oci("list", "--quiet").out()).isEqualTo(id + "\n");

    Result start = oci("start", id);
    assertThat(start.code()).isEqualTo(1);
    assertThat(start.err()).contains("is stopped, not created");

    assertThat(oci("delete", id).code()).isZero();
    assertThat(root.resolve(id)).doesNotExist();
    Result gone = oci("state", id);
    assertThat(gone.code()).isEqualTo(1);
    assertThat(gone.err()).contains("container '" + id + "' does not exist");
  }

  @Test
  void runExitsAsTheContainerAndPrintsWhatRuncPrints() throws Exception {
    Path bundle = OciBundles.bundle(tmp.resolve("bundle"), "sh", "-c",
        "echo hello from $(hostname); id; ulimit -n; echo to-stderr >&2; exit 3");
    String id = TestRootfs.uniqueName("oci");
    Result poc = OciBundles.run(bundle, List.of(pocOci.toString(), "--root", root.toString(), "run", id));
    assertThat(poc.code()).as("poc-oci run: %s", poc.err()).isEqualTo(3);
    assertThat(poc.out()).startsWith("hello from runc\nuid=0").contains("\n1024\n");
    assertThat(poc.err()).isEqualTo("to-stderr\n");
    assertThat(oci("list", "--quiet").out()).as("run deletes its container").isEmpty();

    Assumptions.assumeTrue(Tool.locate("runc").isPresent(), "runc is not installed: the comparison is skipped");
    Result runc = OciBundles.run(bundle, List.of("runc", "--root", tmp.resolve("runc-state").toString(), "run", id));
    assertThat(poc).isEqualTo(runc);
  }

  @Test
  void killStopsARunningContainerAndDeleteNeedsForceWhileItRuns() throws Exception {
    Path bundle = OciBundles.bundle(tmp.resolve("bundle"), "sleep", "1000");
    String id = TestRootfs.uniqueName("oci");
    Process create = new ProcessBuilder(pocOci.toString(), "--root", root.toString(), "create", "--bundle",
        bundle.toString(), id).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    assertThat(create.waitFor()).isZero();
    assertThat(oci("start", id).code()).isZero();
    assertThat(state(id).get("status").asText()).isEqualTo("running");

    Result refused = oci("delete", id);
    assertThat(refused.code()).isEqualTo(1);
    assertThat(refused.err()).contains("is running: stop it first");

    assertThat(oci("kill", id, "SIGKILL").code()).isZero();
    awaitStopped(id);
    assertThat(state(id).get("pid").asInt()).isZero();
    Result killStopped = oci("kill", id, "TERM");
    assertThat(killStopped.code()).isEqualTo(1);
    assertThat(killStopped.err()).contains("is not running");
    assertThat(oci("delete", id).code()).isZero();
  }

  @Test
  void deleteForceRemovesACreatedContainerThatNeverStarted() throws Exception {
    Path bundle = OciBundles.bundle(tmp.resolve("bundle"), "true");
    String id = TestRootfs.uniqueName("oci");
    Process create = new ProcessBuilder(pocOci.toString(), "--root", root.toString(), "create", "--bundle",
        bundle.toString(), id).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    assertThat(create.waitFor()).isZero();
    int pid = state(id).get("pid").asInt();
    long started = dev.poc.state.RunState.startTime(pid);
    assertThat(started).isPositive();
    assertThat(oci("delete", "--force", id).code()).isZero();
    // ended (at most a zombie until its new parent reaps it), not some process that reused the pid
    assertThat(dev.poc.state.RunState.startTime(pid)).isNotEqualTo(started);
    assertThat(root.resolve(id)).doesNotExist();
  }

  @Test
  void anUnknownFieldIsRefusedByItsPathAndLeavesNothing() throws Exception {
    Path bundle = OciBundles.bundle(tmp.resolve("bundle"), "true");
    ObjectNode config = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
    ((ObjectNode) config.get("process")).put("frobnicate", true);
    OciBundles.writeConfig(bundle, config);
    String id = TestRootfs.uniqueName("oci");
    Path log = tmp.resolve("log.json");
    Result r = oci("--log", log.toString(), "--log-format", "json", "create", "--bundle", bundle.toString(), id);
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("process.frobnicate is not a field poc knows");
    JsonNode logged = JSON.readTree(Files.readAllLines(log).get(0));
    assertThat(logged.get("level").asText()).isEqualTo("error");
    assertThat(logged.get("msg").asText()).contains("process.frobnicate");
    assertThat(root.resolve(id)).doesNotExist();
  }

  @Test
  void aRootThatCannotBeBuiltFailsCreateAndLeavesNothing() throws Exception {
    Path bundle = OciBundles.bundle(tmp.resolve("bundle"), "true");
    Files.delete(bundle.resolve("rootfs/dev")); // the root is read-only: /dev cannot be made
    String id = TestRootfs.uniqueName("oci");
    Result r = oci("create", "--bundle", bundle.toString(), id);
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("mount target /dev: Read-only file system");
    assertThat(root.resolve(id)).doesNotExist();
    assertThat(oci("list", "--quiet").out()).isEmpty();
  }

  @Test
  void deleteRemovesWhatACreateKilledHalfwayLeft() throws Exception {
    String id = TestRootfs.uniqueName("oci");
    Files.createDirectories(root.resolve(id)); // what create makes first, before the container and its record
    assertThat(oci("delete", id).code()).isZero();
    assertThat(root.resolve(id)).doesNotExist();
  }

  @Test
  void featuresAndVersionDescribeTheRuntime() throws Exception {
    JsonNode features = JSON.readTree(oci("features").out());
    assertThat(features.get("ociVersionMax").asText()).isEqualTo("1.2.0");
    assertThat(features.at("/linux/namespaces").toString()).contains("\"pid\"", "\"mount\"");
    assertThat(oci("--version").out()).startsWith("poc-oci version ");
    Result systemd = oci("--systemd-cgroup", "list");
    assertThat(systemd.code()).isEqualTo(1);
    assertThat(systemd.err()).contains("--systemd-cgroup is not supported");
  }
}
