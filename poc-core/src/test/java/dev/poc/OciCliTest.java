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

  /** A started container running {@code args}, its stdio discarded. */
  private String started(String... args) throws IOException, InterruptedException {
    Path bundle = OciBundles.bundle(tmp.resolve("bundle"), args);
    String id = TestRootfs.uniqueName("oci");
    Process create = new ProcessBuilder(pocOci.toString(), "--root", root.toString(), "create", "--bundle",
        bundle.toString(), id).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    assertThat(create.waitFor()).isZero();
    assertThat(oci("start", id).code()).isZero();
    return id;
  }

  @Test
  void execRunsInTheContainerAndExitsAsItsProcess() throws Exception {
    String id = started("sleep", "1000");
    int init = state(id).get("pid").asInt();
    Result r = oci("exec", "--env", "GREETING=hi", "--cwd", "/tmp", id, "sh", "-c",
        "echo $GREETING from $(hostname) in $(pwd) as $$; grep -E '^(NoNewPrivs|CapEff)' /proc/self/status; echo e >&2; exit 5");
    assertThat(r.code()).as(r.err()).isEqualTo(5);
    // the container's UTS and PID namespaces; its capabilities (runc spec's three), no_new_privs
    assertThat(r.out()).isEqualTo("hi from runc in /tmp as 3\nCapEff:\t0000000020000420\nNoNewPrivs:\t1\n");
    assertThat(r.err()).isEqualTo("e\n");

    Path process = tmp.resolve("process.json");
    Files.writeString(process, "{\"args\": [\"sleep\", \"1000\"], \"cwd\": \"/\", \"user\": {\"uid\": 65534, \"gid\": 65534},"
        + " \"env\": [\"PATH=/bin\"], \"capabilities\": {\"bounding\": []}}");
    Result detached = oci("exec", "--process", process.toString(), "--detach", "--pid-file", tmp.resolve("exec.pid").toString(), id);
    assertThat(detached.code()).as(detached.err()).isZero();
    int pid = Integer.parseInt(Files.readString(tmp.resolve("exec.pid")).trim());
    assertThat(Files.readString(Path.of("/proc", Integer.toString(pid), "status"))).contains("Uid:\t65534\t65534");
    assertThat(Files.readSymbolicLink(Path.of("/proc", Integer.toString(pid), "ns", "pid")))
        .isEqualTo(Files.readSymbolicLink(Path.of("/proc", Integer.toString(init), "ns", "pid")));

    JsonNode pids = JSON.readTree(oci("ps", "--format", "json", id).out());
    assertThat(pids.toString()).contains(Integer.toString(init), Integer.toString(pid));
    Result table = oci("ps", id);
    assertThat(table.out()).startsWith("UID").contains("sleep 1000").doesNotContain("poc-oci");

    Result missing = oci("exec", id, "no-such-command");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("command 'no-such-command' not found");

    assertThat(oci("kill", id, "KILL").code()).isZero();
    awaitStopped(id);
    Result stopped = oci("exec", id, "true");
    assertThat(stopped.code()).isEqualTo(1);
    assertThat(stopped.err()).contains("is not running: nothing to exec in");
    assertThat(oci("delete", id).code()).isZero();
  }

  @Test
  void pauseFreezesTheContainerUntilResume() throws Exception {
    String id = started("sh", "-c", "while true; do date +%s%N > /dev/null; done");
    assertThat(oci("pause", id).code()).isZero();
    assertThat(state(id).get("status").asText()).isEqualTo("paused");
    JsonNode pids = JSON.readTree(oci("ps", "--format", "json", id).out());
    assertThat(pids.size()).isGreaterThanOrEqualTo(2);
    for (JsonNode p : pids) {
      int pid = p.asInt();
      String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
      String s = stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      assertThat(s).as("state of %s", pid).isIn("S", "D"); // frozen: sleeping in the freezer, never running
    }
    Result exec = oci("exec", id, "true");
    assertThat(exec.err()).contains("is paused: resume it first");
    Result delete = oci("delete", id);
    assertThat(delete.err()).contains("is paused: stop it first");
    Result pauseAgain = oci("pause", id);
    assertThat(pauseAgain.err()).contains("is paused, not running");

    assertThat(oci("resume", id).code()).isZero();
    assertThat(state(id).get("status").asText()).isEqualTo("running");
    assertThat(oci("pause", id).code()).isZero();
    assertThat(oci("delete", "--force", id).code()).as("a paused container is thawed to die").isZero();
    assertThat(root.resolve(id)).doesNotExist();
  }

  @Test
  void aTerminalNeedsAConsoleSocket() throws Exception {
    Path bundle = OciBundles.bundle(tmp.resolve("bundle"), "sh");
    ObjectNode config = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
    ((ObjectNode) config.get("process")).put("terminal", true);
    OciBundles.writeConfig(bundle, config);
    String id = TestRootfs.uniqueName("oci");
    Result r = oci("create", "--bundle", bundle.toString(), id);
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("process.terminal is true", "give --console-socket");
    assertThat(root.resolve(id)).doesNotExist();
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
    assertThat(features.at("/linux/namespaces").toString()).contains("\"pid\"", "\"mount\"", "\"user\"");
    assertThat(features.at("/linux/mountExtensions/idmap/enabled").asBoolean(true)).as("idmapped mounts are refused").isFalse();
    assertThat(oci("--version").out()).startsWith("poc-oci version ");
    Result systemd = oci("--systemd-cgroup", "list");
    assertThat(systemd.code()).isEqualTo(1);
    assertThat(systemd.err()).contains("--systemd-cgroup is not supported");
  }
}
