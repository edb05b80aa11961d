package dev.poc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
 * of a created, stopped, running or gone container, the errors of an unknown, stopped or running
 * container) must be the JVM's, and whatever it does not answer must reach the JVM. A delete by the
 * front must leave the host as the JVM's does: no process, cgroup, netns mount, lock or state left.
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

    assertThat(run(frontAlone, "delete", id)).as("the front deletes a stopped container itself").isEqualTo(new Result(0, "", ""));
    assertThat(root.resolve(id)).doesNotExist();
    assertThat(run(frontAlone, "delete", "--force", id).code()).as("Docker's second delete").isZero();
  }

  /** A container created by the JVM from {@code bundle}; its id. */
  private String create(Path bundle) throws IOException, InterruptedException {
    String id = TestRootfs.uniqueName("ocif");
    Result create = run(jvm, "create", "--bundle", bundle.toString(), id);
    assertThat(create.code()).as("create: %s", create.err()).isZero();
    return id;
  }

  private Path sleepingBundle(String name, String... args) throws IOException, InterruptedException {
    Path bundle = OciBundles.bundle(tmp.resolve(name), args.length > 0 ? args : new String[] {"sleep", "1000"});
    ObjectNode config = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
    ((ObjectNode) config.get("root")).put("readonly", false);
    OciBundles.writeConfig(bundle, config);
    return bundle;
  }

  /**
   * What create made on the host for {@code id}, found by poc's names (not from the front file): its
   * state directory, run directory, netns name, name lock and cgroup directories, each checked there.
   */
  private List<Path> madeOnHost(String id) throws IOException {
    List<Path> made = new ArrayList<>(List.of(root.resolve(id), root.resolve(".poc/run").resolve(id),
        dev.poc.namespace.NetnsNames.DIR.resolve(dev.poc.namespace.NetnsNames.of(id)), dev.poc.state.NameLock.file(id)));
    try (var hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
      List<Path> groups = hierarchies.map(h -> h.resolve(dev.poc.cgroup.Cgroups.PARENT).resolve(id)).filter(Files::isDirectory).toList();
      assertThat(groups).as("the container's cgroups").isNotEmpty();
      made.addAll(groups);
    }
    assertThat(made).allMatch(Files::exists, "exists before the delete");
    if (Files.readString(root.resolve(id).resolve("front")).startsWith("poc-oci-front 2\n")) {
      assertThat(listedInFront(id)).as("what create listed for the front's delete").containsExactlyInAnyOrderElementsOf(
          made.subList(1, made.size()));
    }
    return made;
  }

  /** The paths the release lines of {@code id}'s front file name for removal. */
  private List<Path> listedInFront(String id) throws IOException {
    List<Path> listed = new ArrayList<>();
    for (String line : Files.readAllLines(root.resolve(id).resolve("front"))) {
      if (line.startsWith("head=")) {
        break;
      }
      for (String key : List.of("release=", "netns=", "lock=", "cgroup1=", "cgroup2=")) {
        if (line.startsWith(key)) {
          listed.add(Path.of(line.substring(key.length())));
        }
      }
    }
    return listed;
  }

  /** The init's pid and start time, from the record. */
  private long[] init(String id) throws IOException {
    JsonNode record = JSON.readTree(root.resolve(id).resolve("container.json").toFile());
    return new long[] {record.get("pid").asLong(), record.get("pidStart").asLong()};
  }

  /** Nothing of the container left on the host: no file of {@code made}, no mount of its netns, no init. */
  private static void assertReleased(List<Path> made, long[] init) throws IOException {
    assertThat(made).noneMatch(Files::exists);
    String netns = made.get(2).toString();
    assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo"))).noneMatch(l -> l.split(" ")[4].equals(netns));
    assertThat(dev.poc.state.RunState.startTime((int) init[0])).as("the init").isNotEqualTo(init[1]);
  }

  private Result runLogged(Path launcher, Path log, String format, String... args) throws IOException, InterruptedException {
    List<String> all = new ArrayList<>(List.of("--log", log.toString(), "--log-format", format));
    all.addAll(List.of(args));
    return run(launcher, all.toArray(String[]::new));
  }

  /** The same refusal from the front alone as from the JVM: exit code, stderr, and the --log line (json and text). */
  private void sameLoggedError(String... args) throws IOException, InterruptedException {
    sameError(args);
    for (String format : List.of("json", "text")) {
      Path frontLog = tmp.resolve("front." + format);
      Path jvmLog = tmp.resolve("jvm." + format);
      assertThat(runLogged(frontAlone, frontLog, format, args).code()).isEqualTo(1);
      assertThat(runLogged(jvm, jvmLog, format, args).code()).isEqualTo(1);
      String f = Files.readString(frontLog);
      String j = Files.readString(jvmLog);
      if (format.equals("json")) {
        JsonNode fj = JSON.readTree(f);
        JsonNode jj = JSON.readTree(j);
        assertThat(fj.get("level")).isEqualTo(jj.get("level"));
        assertThat(fj.get("msg")).isEqualTo(jj.get("msg"));
        assertThat(fj.size()).isEqualTo(jj.size());
      } else { // TIME error MESSAGE
        assertThat(f.substring(f.indexOf(' '))).isEqualTo(j.substring(j.indexOf(' ')));
      }
      Files.delete(frontLog);
      Files.delete(jvmLog);
    }
  }

  @Test
  void theFrontDeletesACreatedStoppedOrForcedRunningContainerAsTheJvm() throws Exception {
    Path sleeping = sleepingBundle("sleeping");
    String created = create(sleeping);
    List<Path> made = madeOnHost(created);
    long[] init = init(created);
    assertThat(run(frontAlone, "delete", created)).as("a created container: killed and released")
        .isEqualTo(new Result(0, "", ""));
    assertReleased(made, init);

    String running = create(sleeping);
    assertThat(run(frontAlone, "start", running).code()).isZero();
    assertThat(sameState(running)).isEqualTo("running");
    sameLoggedError("delete", running); // running, without --force
    assertThat(sameState(running)).as("a refused delete changes nothing").isEqualTo("running");
    made = madeOnHost(running);
    init = init(running);
    assertThat(run(frontAlone, "delete", "--force", running)).isEqualTo(new Result(0, "", ""));
    assertReleased(made, init);
    assertThat(run(frontAlone, "delete", "--force", running)).as("Docker's second delete").isEqualTo(new Result(0, "", ""));
    sameLoggedError("delete", running); // gone

    String stopped = create(OciBundles.bundle(tmp.resolve("done"), "true"));
    made = madeOnHost(stopped);
    init = init(stopped);
    assertThat(run(frontAlone, "start", stopped).code()).isZero();
    while (!status(stopped).equals("stopped")) {
      Thread.sleep(20);
    }
    try (dev.poc.host.Flock held = dev.poc.host.Flock.tryLock(dev.poc.state.NameLock.file(stopped)).orElseThrow()) {
      sameLoggedError("delete", stopped); // another process holds its name: "being created or deleted"
    }
    assertThat(status(stopped)).as("a refused delete changes nothing").isEqualTo("stopped");
    assertThat(run(frontAlone, "delete", stopped)).isEqualTo(new Result(0, "", ""));
    assertReleased(made, init);
  }

  @Test
  void theFrontRemovesTheParentsAPlacedGroupsCreateMadeAndKeepsOneThatWasThere() throws Exception {
    Path pids = Path.of("/sys/fs/cgroup/pids");
    assumeTrue(Files.isRegularFile(pids.resolve("tasks")), "no cgroup v1 pids hierarchy at " + pids);
    String top = TestRootfs.uniqueName("ocifp");
    Path there = Files.createDirectory(pids.resolve(TestRootfs.uniqueName("ocifk")));
    Path bundle = sleepingBundle("placed");
    ObjectNode config = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
    String made = null;
    String kept = null;
    try {
      // Docker's /docker/ID: the first container's create makes the parent, its delete removes it
      made = TestRootfs.uniqueName("ocif");
      ((ObjectNode) config.get("linux")).put("cgroupsPath", "/" + top + "/nested/" + made);
      OciBundles.writeConfig(bundle, config);
      assertThat(run(jvm, "create", "--bundle", bundle.toString(), made).code()).isZero();
      assertThat(pids.resolve(top + "/nested/" + made)).isDirectory();
      assertThat(run(frontAlone, "delete", made)).as("answered by the front, not handed over")
          .isEqualTo(new Result(0, "", ""));
      assertThat(pids.resolve(top)).as("the parents create made, removed once empty").doesNotExist();

      kept = TestRootfs.uniqueName("ocif");
      ((ObjectNode) config.get("linux")).put("cgroupsPath", "/" + there.getFileName() + "/" + kept);
      OciBundles.writeConfig(bundle, config);
      assertThat(run(jvm, "create", "--bundle", bundle.toString(), kept).code()).isZero();
      assertThat(run(frontAlone, "delete", kept)).isEqualTo(new Result(0, "", ""));
      assertThat(there.resolve(kept)).doesNotExist();
      assertThat(there).as("a parent that was there before create").isDirectory();
    } finally {
      for (String id : new String[] {made, kept}) {
        if (id != null) {
          run(jvm, "delete", "--force", id);
        }
      }
      Files.deleteIfExists(there);
    }
  }

  @Test
  void aForcedDeleteKillsWhatTheCommandLeftInItsGroups() throws Exception {
    // no PID namespace of its own: the init's death does not take its child, the group's kill must
    Path bundle = sleepingBundle("hostpid", "sh", "-c", "sleep 1000 & echo $! > /tmp/child; exec sleep 1000");
    ObjectNode config = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
    var namespaces = (com.fasterxml.jackson.databind.node.ArrayNode) config.get("linux").get("namespaces");
    namespaces.remove(0); // pid
    OciBundles.writeConfig(bundle, config);
    String id = create(bundle);
    List<Path> made = madeOnHost(id);
    long[] init = init(id);
    assertThat(run(frontAlone, "start", id).code()).isZero();
    Path childFile = bundle.resolve("rootfs/tmp/child");
    while (!Files.exists(childFile) || Files.readString(childFile).isBlank()) {
      Thread.sleep(20);
    }
    int child = Integer.parseInt(Files.readString(childFile).trim());
    long childStart = dev.poc.state.RunState.startTime(child);
    assertThat(childStart).as("the command's child runs").isPositive();
    assertThat(run(frontAlone, "delete", "--force", id)).isEqualTo(new Result(0, "", ""));
    assertReleased(made, init);
    assertThat(dev.poc.state.RunState.startTime(child)).as("the child, killed through its group").isNotEqualTo(childStart);
  }

  @Test
  void aDeleteWithMoreToReleaseThanTheFrontKnowsIsTheJvms() throws Exception {
    Path sleeping = sleepingBundle("sleeping");
    Path hooked = sleepingBundle("hooked");
    Path ran = tmp.resolve("poststop-ran");
    ObjectNode config = (ObjectNode) JSON.readTree(hooked.resolve("config.json").toFile());
    config.putObject("hooks").putArray("poststop").addObject().put("path", "/bin/sh")
        .putArray("args").add("sh").add("-c").add("touch " + ran);
    OciBundles.writeConfig(hooked, config);

    String withHook = create(hooked);
    assertThat(run(frontAlone, "delete", withHook).code()).as("a poststop hook runs in the JVM").isEqualTo(97);
    assertThat(sameState(withHook)).as("handed over before anything changed").isEqualTo("created");
    List<Path> made = madeOnHost(withHook);
    long[] init = init(withHook);
    assertThat(run(front, "delete", withHook)).isEqualTo(new Result(0, "", ""));
    assertThat(ran).as("the JVM ran the hook").exists();
    assertReleased(made, init);

    String named = create(sleeping);
    Path networks = Files.createDirectories(root.resolve(".poc/networks"));
    assertThat(run(frontAlone, "delete", named).code()).as("a named network's reclaim is the JVM's").isEqualTo(97);
    assertThat(sameState(named)).isEqualTo("created");
    Files.delete(networks);

    // a front file of format 1, as a create before this one wrote it: no release lines
    Path frontFile = root.resolve(named).resolve("front");
    String text = Files.readString(frontFile);
    StringBuilder old = new StringBuilder("poc-oci-front 1\n");
    for (String line : text.substring(text.indexOf('\n') + 1, text.indexOf("head=")).split("\n")) {
      if (line.startsWith("pid=") || line.startsWith("pidstart=") || line.startsWith("config=")) {
        old.append(line).append('\n');
      }
    }
    Files.writeString(frontFile, old + text.substring(text.indexOf("head=")));
    assertThat(sameState(named)).as("format 1 still answers state").isEqualTo("created");
    assertThat(run(frontAlone, "delete", named).code()).as("but not delete").isEqualTo(97);
    made = madeOnHost(named);
    init = init(named);
    assertThat(run(front, "delete", named)).isEqualTo(new Result(0, "", ""));
    assertReleased(made, init);
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
