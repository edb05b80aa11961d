package dev.poc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poc.OciBundles.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * poc-oci's native front (target/poc-oci-front) against the JVM's poc-oci on the same container:
 * every answer the front gives itself (state in each status, kill by name and number, start, delete
 * of a gone container, the errors of an unknown or stopped container) must be the JVM's, and whatever it does not answer
 * must reach the JVM.
 */
class OciFrontTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path tmp;

  private Path jvm;
  /** The front as ./poc-oci execs it, handing what it does not answer to the JVM. */
  private Path front;
  /** The front with no JVM behind it: a call it hands over fails with 97, so an answer is its own. */
  private Path frontAlone;
  private Path root;

  @BeforeEach
  void setUp() throws IOException {
    Path binary = Path.of("target/poc-oci-front").toAbsolutePath();
    assertThat(binary).as("the build compiles the front (poc-core's generate-resources)").isExecutable();
    jvm = OciBundles.launcher(tmp);
    // as ./poc-oci execs it: the JVM's launcher to hand over to
    front = script("poc-oci-front", "POC_OCI_LAUNCHER='" + jvm + "' exec '" + binary + "' \"$@\"");
    Path refuse = script("no-jvm", "echo 'handed to the JVM' >&2; exit 97");
    frontAlone = script("poc-oci-front-alone", "POC_OCI_LAUNCHER='" + refuse + "' exec '" + binary + "' \"$@\"");
    root = tmp.resolve("state");
  }

  private Path script(String name, String line) throws IOException {
    Path script = tmp.resolve(name);
    Files.writeString(script, "#!/bin/sh\n" + line + "\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  private Result run(Path launcher, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(launcher.toString(), "--root", root.toString()));
    cmd.addAll(List.of(args));
    return OciBundles.run(tmp, cmd);
  }

  /** The front's state of {@code id}, checked byte for byte against the JVM's; its status. */
  private String sameState(String id) throws IOException, InterruptedException {
    Result viaFront = run(frontAlone, "state", id);
    Result viaJvm = run(jvm, "state", id);
    assertThat(viaFront.code()).as("front state: %s", viaFront.err()).isZero();
    assertThat(viaJvm.code()).as("JVM state: %s", viaJvm.err()).isZero();
    JsonNode f = JSON.readTree(viaFront.out());
    JsonNode j = JSON.readTree(viaJvm.out());
    assertThat(f).isEqualTo(j);
    assertThat(viaFront.out()).isEqualTo(viaJvm.out());
    return f.get("status").asText();
  }

  /** The same exit code and stderr from the front alone as from the JVM, for a call both refuse. */
  private void sameError(String... args) throws IOException, InterruptedException {
    sameError(frontAlone, args);
  }

  private void sameError(Path launcher, String... args) throws IOException, InterruptedException {
    Result viaFront = run(launcher, args);
    Result viaJvm = run(jvm, args);
    assertThat(viaFront.code()).as("front %s: %s", List.of(args), viaFront.err()).isEqualTo(1);
    assertThat(viaFront).isEqualTo(viaJvm);
  }

  private String status(String id) throws IOException, InterruptedException {
    return JSON.readTree(run(jvm, "state", id).out()).get("status").asText();
  }

  @Test
  void theFrontAnswersAsTheJvmInEveryStatus() throws Exception {
    Path bundle = OciBundles.bundle(tmp.resolve("bundle"), "sh", "-c",
        "trap 'touch /tmp/usr1' USR1; trap 'touch /tmp/hup' HUP; while true; do sleep 0.05; done");
    ObjectNode config = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
    ((ObjectNode) config.get("root")).put("readonly", false);
    config.putObject("annotations").put("org.example.note", "a \"quoted\" value\twith a tab").put("empty", "");
    OciBundles.writeConfig(bundle, config);
    String id = TestRootfs.uniqueName("ocif");
    Process create = new ProcessBuilder(jvm.toString(), "--root", root.toString(), "create", "--bundle",
        bundle.toString(), id).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    assertThat(create.waitFor()).isZero();
    assertThat(root.resolve(id).resolve("front")).as("create leaves the front its file").isRegularFile();

    assertThat(sameState(id)).isEqualTo("created");
    sameError(front, "kill", id, "banana"); // a name no signal has: the JVM's error, through the front
    assertThat(run(frontAlone, "kill", id, "banana").code()).as("the front leaves that to the JVM").isEqualTo(97);
    Result start = run(frontAlone, "start", id);
    assertThat(start.code()).as("front start: %s", start.err()).isZero();
    assertThat(start.err()).isEmpty();
    assertThat(root.resolve(id).resolve("start.fifo")).doesNotExist();
    assertThat(sameState(id)).isEqualTo("running");
    sameError("start", id); // running, not created

    // a signal by name (any case, with or without SIG) and by number reaches the command
    assertThat(run(frontAlone, "kill", id, "usr1").code()).isZero();
    Path usr1 = bundle.resolve("rootfs/tmp/usr1");
    while (!Files.exists(usr1)) {
      Thread.sleep(20);
    }
    assertThat(run(frontAlone, "kill", id, "1").code()).isZero();
    Path hup = bundle.resolve("rootfs/tmp/hup");
    while (!Files.exists(hup)) {
      Thread.sleep(20);
    }

    assertThat(run(jvm, "pause", id).code()).isZero();
    assertThat(sameState(id)).isEqualTo("paused");
    assertThat(run(frontAlone, "kill", id, "KILL").code()).as("a frozen container must be thawed to die: the JVM's job")
        .isEqualTo(97);
    assertThat(run(jvm, "resume", id).code()).isZero();
    assertThat(sameState(id)).isEqualTo("running");

    assertThat(run(frontAlone, "kill", id, "SIGKILL").code()).isZero();
    while (!status(id).equals("stopped")) {
      Thread.sleep(20);
    }
    assertThat(sameState(id)).isEqualTo("stopped");
    sameError("kill", id, "9");
    sameError("start", id);

    assertThat(run(frontAlone, "delete", id).code()).as("a container to release is the JVM's").isEqualTo(97);
    Result delete = run(front, "delete", id);
    assertThat(delete.code()).as("delete, handed to the JVM: %s", delete.err()).isZero();
    assertThat(root.resolve(id)).doesNotExist();
    assertThat(run(frontAlone, "delete", "--force", id).code()).as("Docker's second delete").isZero();
  }

  @Test
  void anUnknownContainerIsTheSameErrorOnStderrAndInTheLog() throws Exception {
    String id = TestRootfs.uniqueName("ocif");
    sameError("state", id);
    sameError("kill", id, "TERM");
    sameError("start", id);
    sameError("delete", id);
    Result forced = run(frontAlone, "delete", "--force", id);
    assertThat(forced).as("delete --force of a gone container: nothing to do").isEqualTo(new Result(0, "", ""));
    assertThat(forced).isEqualTo(run(jvm, "delete", "--force", id));

    Path frontLog = tmp.resolve("front.log");
    Path jvmLog = tmp.resolve("jvm.log");
    assertThat(run(frontAlone, "--log", frontLog.toString(), "--log-format", "json", "state", id).code()).isEqualTo(1);
    assertThat(run(jvm, "--log", jvmLog.toString(), "--log-format", "json", "state", id).code()).isEqualTo(1);
    JsonNode f = JSON.readTree(Files.readAllLines(frontLog).get(0));
    JsonNode j = JSON.readTree(Files.readAllLines(jvmLog).get(0));
    assertThat(f.get("level")).isEqualTo(j.get("level"));
    assertThat(f.get("msg")).isEqualTo(j.get("msg"));
    assertThat(java.time.Instant.parse(f.get("time").asText())).isNotNull();
    assertThat(f.size()).isEqualTo(j.size());
  }

  @Test
  void whatTheFrontDoesNotAnswerReachesTheJvm() throws Exception {
    assertThat(run(frontAlone, "--version").code()).isEqualTo(97);
    assertThat(run(frontAlone, "--debug", "state", "x").code()).as("--debug: the JVM's traces").isEqualTo(97);
    assertThat(run(front, "--version").out()).startsWith("poc-oci version ");
    assertThat(run(front, "list", "--quiet")).isEqualTo(new Result(0, "", ""));
    Result systemd = run(front, "--systemd-cgroup", "state", "x");
    assertThat(systemd.code()).isEqualTo(1);
    assertThat(systemd.err()).contains("--systemd-cgroup is not supported");
    Result usage = run(front, "kill");
    assertThat(usage).isEqualTo(run(jvm, "kill"));
    assertThat(usage.code()).isEqualTo(2);
  }
}
