package dev.poc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poc.OciBundles.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hooks poc-init runs itself, inside: createContainer (the container's mounts made, before
 * pivot_root) and startContainer (in the container after start, before the command), each with
 * the state on stdin, its timeout, and its failure naming it. Through the JVM's create and
 * through the create server (the front execs poc-init), each verb a process of its own.
 */
class OciHooksTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path tmp;

  private Path root;

  @BeforeEach
  void setUp() {
    root = tmp.resolve("state");
  }

  @AfterEach
  void stopServer() throws IOException {
    OciBundles.stopServers(tmp);
  }

  private Result oci(Path launcher, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(launcher.toString(), "--root", root.toString()));
    cmd.addAll(List.of(args));
    return OciBundles.run(tmp, cmd);
  }

  private String status(Path launcher, String id) throws IOException, InterruptedException {
    Result r = oci(launcher, "state", id);
    assertThat(r.code()).as("state %s: %s", id, r.err()).isZero();
    return JSON.readTree(r.out()).get("status").asText();
  }

  private static void hook(ObjectNode config, String phase, int timeout, String script, String... env) {
    ObjectNode hooks = config.has("hooks") ? (ObjectNode) config.get("hooks") : config.putObject("hooks");
    ArrayNode list = hooks.has(phase) ? (ArrayNode) hooks.get(phase) : hooks.putArray(phase);
    ObjectNode h = list.addObject().put("path", "/bin/sh");
    h.putArray("args").add("sh").add("-c").add(script);
    ArrayNode e = h.putArray("env");
    for (String s : env) {
      e.add(s);
    }
    if (timeout > 0) {
      h.put("timeout", timeout);
    }
  }

  /** A bundle with a writable root and a tmpfs at /mnt that only the container's namespace has. */
  private Path bundle(String script) throws IOException, InterruptedException {
    Path bundle = OciBundles.bundle(tmp.resolve("bundle"), "sh", "-c", script);
    Files.createDirectories(bundle.resolve("rootfs/mnt"));
    ObjectNode config = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
    ((ObjectNode) config.get("root")).put("readonly", false);
    ((ArrayNode) config.get("mounts")).addObject().put("destination", "/mnt").put("type", "tmpfs").put("source", "tmpfs");
    OciBundles.writeConfig(bundle, config);
    return bundle;
  }

  private static ObjectNode config(Path bundle) throws IOException {
    return (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
  }

  @Test
  void createContainerAndStartContainerHooksRunInsideWithTheStateBeforeTheCommand() throws Exception {
    runsBothHooks(OciBundles.launcher(tmp), false);
  }

  @Test
  void theCreateServerRunsThemToo() throws Exception {
    Path launcher = OciBundles.frontLauncherWithServer(tmp);
    // the first create starts the server (and is served by the JVM), the second is served by it
    runsBothHooks(launcher, false);
    Files.delete(tmp.resolve("bundle/rootfs/tmp/start-state"));
    OciBundles.awaitServer(tmp);
    runsBothHooks(launcher, true);
    assertThat(OciBundles.serverRan(tmp)).isTrue();
  }

  /** {@code served}: the create must be the server's (the front says when it hands one to the JVM). */
  private void runsBothHooks(Path launcher, boolean served) throws Exception {
    Path bundle = bundle("echo command-ran; cat /mnt/from-create; cat /tmp/start-state");
    ObjectNode config = config(bundle);
    Path rootfs = bundle.resolve("rootfs");
    Path createState = tmp.resolve("create-state.json");
    // before pivot_root, the host's paths: the root's /mnt is the container's tmpfs only here
    hook(config, "createContainer", 10, "cat > " + createState + "; echo made-by-$HOOKVAR > " + rootfs + "/mnt/from-create",
        "HOOKVAR=createContainer");
    // after pivot_root: the container's /bin/sh and /tmp; its stdout is the container's
    hook(config, "startContainer", 10, "cat > /tmp/start-state; echo start-hook-ran-$HOOKVAR", "HOOKVAR=inside");
    OciBundles.writeConfig(bundle, config);
    String id = TestRootfs.uniqueName("hook");
    Path out = tmp.resolve("container.out");
    Path err = tmp.resolve("container.err");
    ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "--root", root.toString(), "create", "--bundle",
        bundle.toString(), id).redirectOutput(out.toFile()).redirectError(err.toFile());
    if (served) {
      pb.environment().put("POC_OCI_FRONT_DEBUG", "1");
    }
    assertThat(pb.start().waitFor()).as("create: %s", Files.readString(err)).isZero();
    JsonNode created = JSON.readTree(oci(launcher, "state", id).out());
    int pid = created.get("pid").asInt();

    JsonNode atCreate = JSON.readTree(createState.toFile());
    assertThat(atCreate.get("id").asText()).isEqualTo(id);
    assertThat(atCreate.get("status").asText()).isEqualTo("creating");
    assertThat(atCreate.get("pid").asInt()).as("the init's pid as the host sees it").isEqualTo(pid);
    assertThat(atCreate.get("bundle").asText()).isEqualTo(bundle.toString());
    assertThat(rootfs.resolve("mnt/from-create")).as("written on the container's tmpfs, not the host's directory")
        .doesNotExist();
    assertThat(rootfs.resolve("tmp/start-state")).as("startContainer runs only at start").doesNotExist();

    assertThat(oci(launcher, "start", id).code()).isZero();
    while (!status(launcher, id).equals("stopped")) {
      Thread.sleep(20);
    }
    String[] lines = Files.readString(out).split("\n", 4);
    assertThat(lines[0]).isEqualTo("start-hook-ran-inside");
    assertThat(lines[1]).isEqualTo("command-ran");
    assertThat(lines[2]).isEqualTo("made-by-createContainer");
    JsonNode atStart = JSON.readTree(lines[3]);
    assertThat(atStart.get("status").asText()).isEqualTo("created");
    assertThat(atStart.get("pid").asInt()).isEqualTo(pid);
    assertThat(atStart.get("id").asText()).isEqualTo(id);
    assertThat(Files.readString(err)).isEmpty();
    assertThat(oci(launcher, "delete", id).code()).isZero();
    assertThat(root.resolve(id)).doesNotExist();
  }

  @Test
  void aFailingCreateContainerHookFailsCreateByNameAndLeavesNothing() throws Exception {
    failsCreate(OciBundles.launcher(tmp), 0, "echo hook-says-no >&2; exit 3", "createContainer hook /bin/sh: exited with status 3");
  }

  @Test
  void aCreateContainerHookPastItsTimeoutIsKilledAndFailsCreate() throws Exception {
    failsCreate(OciBundles.launcher(tmp), 1, "sleep 600",
        "createContainer hook /bin/sh: did not finish within its timeout of 1 s, killed");
  }

  @Test
  void aFailingCreateContainerHookFailsAServedCreateToo() throws Exception {
    Path launcher = OciBundles.frontLauncherWithServer(tmp);
    failsCreate(launcher, 0, "exit 5", "createContainer hook /bin/sh: exited with status 5");
    OciBundles.awaitServer(tmp);
    Result served = failsCreate(launcher, 0, "exit 6", "createContainer hook /bin/sh: exited with status 6");
    assertThat(served.err()).as("served, not handed to the JVM").doesNotContain("to the JVM");
  }

  private Result failsCreate(Path launcher, int timeout, String script, String message) throws Exception {
    Path bundle = bundle("true");
    ObjectNode config = config(bundle);
    hook(config, "createContainer", timeout, script);
    OciBundles.writeConfig(bundle, config);
    String id = TestRootfs.uniqueName("hook");
    Result r = OciBundles.run(tmp, List.of("env", "POC_OCI_FRONT_DEBUG=1", launcher.toString(), "--root", root.toString(),
        "create", "--bundle", bundle.toString(), id));
    assertThat(r.code()).as("create: %s", r.err()).isEqualTo(1);
    assertThat(r.err()).contains(message);
    assertThat(root.resolve(id)).doesNotExist();
    assertThat(oci(launcher, "list", "--quiet").out()).isEmpty();
    Files.walk(tmp.resolve("bundle")).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    return r;
  }

  @Test
  void aFailingStartContainerHookStopsTheContainerBeforeItsCommandAndSaysSo() throws Exception {
    Path launcher = OciBundles.launcher(tmp);
    Path bundle = bundle("touch /tmp/command-ran");
    ObjectNode config = config(bundle);
    hook(config, "startContainer", 0, "exit 4");
    OciBundles.writeConfig(bundle, config);
    String id = TestRootfs.uniqueName("hook");
    Path err = tmp.resolve("container.err");
    Process create = new ProcessBuilder(launcher.toString(), "--root", root.toString(), "create", "--bundle",
        bundle.toString(), id).redirectOutput(tmp.resolve("container.out").toFile()).redirectError(err.toFile()).start();
    assertThat(create.waitFor()).as("create: %s", Files.readString(err)).isZero();
    // as runc: start has let the init go; the hook's failure ends the container, on its stderr
    assertThat(oci(launcher, "start", id).code()).isZero();
    while (!status(launcher, id).equals("stopped")) {
      Thread.sleep(20);
    }
    assertThat(Files.readString(err)).contains("startContainer hook /bin/sh: exited with status 4");
    assertThat(bundle.resolve("rootfs/tmp/command-ran")).doesNotExist();
    assertThat(oci(launcher, "delete", id).code()).isZero();
    assertThat(root.resolve(id)).doesNotExist();
  }
}
