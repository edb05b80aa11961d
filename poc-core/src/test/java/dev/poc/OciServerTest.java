package dev.poc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poc.OciBundles.Result;
import dev.poc.state.RunState;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * poc-oci's create server (dev.poc.oci.OciServer) behind the native front: a create through it
 * builds the same container as the JVM's (output, exit code, pid file; the init's parent is the
 * caller's reaper, never the server), relative paths are the caller's, errors are the JVM's, a
 * caller the server must not answer falls back to the JVM, the server leaves when idle and when
 * the jar changes, and concurrent creates each get their container. Every server this class starts
 * is stopped by it.
 */
class OciServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path tmp;

  private Path root;
  private Path jar;
  private Path serverDir;
  private Path socket;
  /** The JVM's poc-oci, for what the front hands over and for the baseline. */
  private Path jvm;
  /** The front with the server, and no JVM behind it: a create it hands over fails with 97. */
  private Path frontAlone;
  /** The front with the server, and the JVM behind it. */
  private Path front;
  private Process server;
  private Path serverLog;

  @BeforeEach
  void setUp() throws IOException, InterruptedException {
    Path binary = Path.of("target/poc-oci-front").toAbsolutePath();
    assertThat(binary).as("the build compiles the front (poc-core's generate-resources)").isExecutable();
    root = tmp.resolve("state");
    jar = tmp.resolve("poc.jar");
    Files.writeString(jar, "the build whose change makes a server stale");
    serverDir = tmp.resolve("srv");
    jvm = OciBundles.launcher(tmp);
    String env = "POC_OCI_JAR='" + jar + "' POC_OCI_SERVER_DIR='" + serverDir + "' ";
    Path refuse = script("no-jvm", "echo 'handed to the JVM' >&2; exit 97");
    frontAlone = script("front-alone", "POC_OCI_LAUNCHER='" + refuse + "' " + env + "exec '" + binary + "' \"$@\"");
    front = script("front", "POC_OCI_LAUNCHER='" + jvm + "' " + env + "exec '" + binary + "' \"$@\"");
    // the socket, as the front names it for this jar and this test's view of the host
    Path say = script("say-socket", "echo \"$POC_OCI_SERVER_SOCKET\"");
    Path asker = script("front-asks", "POC_OCI_LAUNCHER='" + say + "' " + env + "exec '" + binary + "' \"$@\"");
    socket = Path.of(OciBundles.run(tmp, List.of(asker.toString(), "--version")).out().trim());
    assertThat(socket.getParent()).isEqualTo(serverDir);
  }

  @AfterEach
  void stopServerAndRemoveContainers() throws IOException, InterruptedException {
    if (server != null && server.isAlive()) {
      server.destroy();
      server.waitFor();
    }
    if (Files.isDirectory(root)) { // what a failed test left
      try (var dirs = Files.list(root)) {
        for (Path dir : dirs.filter(Files::isDirectory).filter(d -> d.getFileName().toString().startsWith("ocis")).toList()) {
          run(jvm, "delete", "--force", dir.getFileName().toString());
        }
      }
    }
  }

  private Path script(String name, String line) throws IOException {
    Path script = tmp.resolve(name);
    Files.writeString(script, "#!/bin/sh\n" + line + "\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  /** A server for {@link #jar}, as ./poc-oci starts it; returns once it listens. */
  private void startServer(String idleSeconds) throws IOException, InterruptedException {
    String java = ProcessHandle.current().info().command().orElse("java");
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    serverLog = tmp.resolve("server.log");
    ProcessBuilder pb = new ProcessBuilder(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", cp, "dev.poc.oci.OciServer", socket.toString(), jar.toString())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(serverLog.toFile()).redirectErrorStream(true);
    pb.environment().put("POC_OCI_SERVER_IDLE", idleSeconds);
    server = pb.start();
    while (!Files.exists(socket)) {
      assertThat(server.isAlive()).as("the server runs: %s", log()).isTrue();
      Thread.sleep(20);
    }
  }

  private String log() {
    try {
      return serverLog == null ? "" : Files.readString(serverLog);
    } catch (IOException e) {
      return e.toString();
    }
  }

  /** Runs poc-oci {@code launcher} in {@code tmp} with stdout and stderr to files kept for the container. */
  private Result run(Path launcher, Map<String, String> env, Path out, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(launcher.toString(), "--root", root.toString()));
    cmd.addAll(List.of(args));
    Path err = Files.createTempFile(tmp, "err", ".txt");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().putAll(env);
    int code = pb.start().waitFor();
    return new Result(code, Files.readString(out), Files.readString(err));
  }

  private Result run(Path launcher, String... args) throws IOException, InterruptedException {
    return run(launcher, Map.of(), Files.createTempFile(tmp, "out", ".txt"), args);
  }

  private String status(String id) throws IOException, InterruptedException {
    return JSON.readTree(run(jvm, "state", id).out()).get("status").asText();
  }

  private void awaitStopped(String id) throws IOException, InterruptedException {
    while (!status(id).equals("stopped")) {
      Thread.sleep(20);
    }
  }

  @Test
  void aCreateThroughTheServerIsTheJvmsContainer() throws Exception {
    startServer("600");
    Path bundle = OciBundles.bundle(tmp.resolve("bundle"), "sh", "-c", "echo out from $(hostname); echo err >&2; exit 3");
    String id = TestRootfs.uniqueName("ocis");
    Path out = tmp.resolve("container.out");
    // relative paths: the caller's directory, not the server's
    Result create = run(frontAlone, Map.of(), out, "create", "--bundle", "bundle", "--pid-file", "init.pid", id);
    assertThat(create.code()).as("create through the server: %s / %s", create.err(), log()).isZero();
    assertThat(create.err()).isEmpty();
    int pid = Integer.parseInt(Files.readString(tmp.resolve("init.pid")).trim());
    assertThat(RunState.startTime(pid)).as("the init waits for start").isPositive();
    long serverPid = server.pid();
    int parent = RunState.parentPid(pid);
    assertThat(parent).as("the init is the caller's reaper's, not the server's").isNotEqualTo((int) serverPid);

    // the same container made by the JVM: its init has the same parent (the reaper of this test's orphans)
    String baselineId = TestRootfs.uniqueName("ocis");
    Result baseline = run(jvm, Map.of(), tmp.resolve("baseline.out"), "create", "--bundle", "bundle",
        "--pid-file", "baseline.pid", baselineId);
    assertThat(baseline.code()).as(baseline.err()).isZero();
    int baselinePid = Integer.parseInt(Files.readString(tmp.resolve("baseline.pid")).trim());
    assertThat(parent).isEqualTo(RunState.parentPid(baselinePid));
    assertThat(run(jvm, "delete", "--force", baselineId).code()).isZero();

    assertThat(status(id)).isEqualTo("created");
    assertThat(JSON.readTree(run(jvm, "state", id).out()).get("pid").asInt()).isEqualTo(pid);
    assertThat(run(frontAlone, "start", id).code()).isZero();
    awaitStopped(id);
    assertThat(Files.readString(out)).as("the command's stdout is the create caller's").isEqualTo("out from runc\n");
    Result delete = run(front, "delete", id);
    assertThat(delete.code()).as(delete.err()).isZero();
    assertThat(root.resolve(id)).doesNotExist();
    assertThat(server.isAlive()).as("a server stays for the next create while not idle").isTrue();
  }

  @Test
  void theServersErrorsAreTheJvms() throws Exception {
    startServer("600");
    Path bundle = OciBundles.bundle(tmp.resolve("bundle"), "true");
    ObjectNode config = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
    ((ObjectNode) config.get("process")).put("frobnicate", 1);
    OciBundles.writeConfig(bundle, config);
    String id = TestRootfs.uniqueName("ocis");
    Path serverLogFile = tmp.resolve("server-side.log");
    Path jvmLogFile = tmp.resolve("jvm-side.log");
    Result viaServer = run(frontAlone, "--log", serverLogFile.toString(), "create", "--bundle", bundle.toString(), id);
    Result viaJvm = run(jvm, "--log", jvmLogFile.toString(), "create", "--bundle", bundle.toString(), id);
    assertThat(viaServer.code()).as("%s / %s", viaServer.err(), log()).isEqualTo(1);
    assertThat(viaServer.err()).contains("process.frobnicate is not a field poc knows");
    assertThat(viaServer).isEqualTo(viaJvm);
    assertThat(Files.readString(serverLogFile).replaceAll("^\\S+ ", ""))
        .isEqualTo(Files.readString(jvmLogFile).replaceAll("^\\S+ ", ""));
    assertThat(root.resolve(id)).doesNotExist();
    assertThat(run(frontAlone, "--debug", "create", id).code()).as("--debug: the JVM's").isEqualTo(97);
  }

  @Test
  void withoutAServerOrWithItOffCreateIsTheJvms() throws Exception {
    Path bundle = OciBundles.bundle(tmp.resolve("bundle"), "true");
    String id = TestRootfs.uniqueName("ocis");
    assertThat(run(frontAlone, "create", "--bundle", bundle.toString(), id).code()).as("no server: the JVM's")
        .isEqualTo(97);
    Result create = run(front, "create", "--bundle", bundle.toString(), id);
    assertThat(create.code()).as(create.err()).isZero();
    assertThat(run(front, "delete", "--force", id).code()).isZero();

    startServer("600");
    Result off = run(frontAlone, Map.of("POC_OCI_SERVER", "off"), Files.createTempFile(tmp, "out", ".txt"), "create",
        "--bundle", bundle.toString(), id);
    assertThat(off.code()).as("POC_OCI_SERVER=off: the JVM's").isEqualTo(97);
    Result otherEnv = run(frontAlone, Map.of("POC_SOMETHING", "else"), Files.createTempFile(tmp, "out", ".txt"),
        "create", "--bundle", bundle.toString(), id);
    assertThat(otherEnv.code()).as("another environment than the server's: another server's, none runs").isEqualTo(97);
    Path fewerCaps = script("front-fewer-caps", "exec setpriv --bounding-set -net_raw '" + frontAlone + "' \"$@\"");
    assertThat(run(fewerCaps, "create", "--bundle", bundle.toString(), id).code())
        .as("a caller with fewer capabilities than the server's: the JVM's").isEqualTo(97);
    assertThat(root.resolve(id)).doesNotExist();
    assertThat(server.isAlive()).isTrue();
  }

  @Test
  void theServerLeavesWhenIdle() throws Exception {
    startServer("1");
    Path bundle = OciBundles.bundle(tmp.resolve("bundle"), "true");
    String id = TestRootfs.uniqueName("ocis");
    Result create = run(frontAlone, "create", "--bundle", bundle.toString(), id);
    assertThat(create.code()).as("%s / %s", create.err(), log()).isZero();
    assertThat(server.waitFor(60, TimeUnit.SECONDS)).as("idle for a second: gone").isTrue();
    assertThat(server.exitValue()).as(log()).isZero();
    assertThat(socket).doesNotExist();
    assertThat(run(front, "delete", "--force", id).code()).isZero();
    assertThat(run(frontAlone, "create", "--bundle", bundle.toString(), id).code()).as("no server: the JVM's")
        .isEqualTo(97);
  }

  @Test
  void aNewBuildOfTheJarSendsTheServerAway() throws Exception {
    startServer("600");
    Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(5)));
    Path bundle = OciBundles.bundle(tmp.resolve("bundle"), "true");
    String id = TestRootfs.uniqueName("ocis");
    assertThat(run(frontAlone, "create", "--bundle", bundle.toString(), id).code()).as("a stale server: the JVM's")
        .isEqualTo(97);
    assertThat(root.resolve(id)).doesNotExist();
    assertThat(server.waitFor(60, TimeUnit.SECONDS)).as("a stale server leaves").isTrue();
    assertThat(socket).doesNotExist();
  }

  @Test
  void aServerThatDiesMidCreateLeavesWhatDeleteRemoves() throws Exception {
    startServer("600");
    Path bundle = OciBundles.bundle(tmp.resolve("bundle"), "true");
    Path started = tmp.resolve("hook-started");
    Path go = tmp.resolve("hook-go");
    ObjectNode config = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
    // a createRuntime hook runs in the server while the init waits for GO: the server dies there
    config.putObject("hooks").putArray("createRuntime").addObject().put("path", "/bin/sh").putArray("args")
        .add("sh").add("-c").add("touch " + started + "; while [ ! -e " + go + " ]; do sleep 0.05; done");
    OciBundles.writeConfig(bundle, config);
    String id = TestRootfs.uniqueName("ocis");
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<Result> create = pool.submit(() -> run(frontAlone, "create", "--bundle", bundle.toString(), id));
      while (!Files.exists(started)) {
        assertThat(create.isDone()).as("the create waits in its hook: %s", log()).isFalse();
        Thread.sleep(20);
      }
      server.destroyForcibly();
      server.waitFor();
      Files.createFile(go);
      Result r = create.get();
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err()).contains("ended in the middle of this create");
    } finally {
      pool.shutdown();
    }
    Result delete = run(jvm, "delete", "--force", id);
    assertThat(delete.code()).as(delete.err()).isZero();
    assertThat(root.resolve(id)).doesNotExist();
    assertThat(run(frontAlone, "create", "--bundle", bundle.toString(), id).code())
        .as("a dead server's socket: the JVM's").isEqualTo(97);
  }

  @Test
  void aCreateWhoseCallerHasGoneIsUndone() throws Exception {
    startServer("600");
    Path bundle = OciBundles.bundle(tmp.resolve("bundle"), "true");
    Path started = tmp.resolve("hook-started");
    Path go = tmp.resolve("hook-go");
    ObjectNode config = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
    config.putObject("hooks").putArray("createRuntime").addObject().put("path", "/bin/sh").putArray("args")
        .add("sh").add("-c").add("touch " + started + "; while [ ! -e " + go + " ]; do sleep 0.05; done");
    OciBundles.writeConfig(bundle, config);
    String id = TestRootfs.uniqueName("ocis");
    // the caller (an engine that gives up, say) is killed while the server creates for it
    Process caller = new ProcessBuilder(frontAlone.toString(), "--root", root.toString(), "create", "--bundle",
        bundle.toString(), id).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    while (!Files.exists(started)) {
      assertThat(caller.isAlive()).as("the create waits in its hook: %s", log()).isTrue();
      Thread.sleep(20);
    }
    caller.destroyForcibly();
    caller.waitFor();
    Files.createFile(go);
    while (Files.exists(root.resolve(id))) { // the server finishes, finds nobody to answer, and deletes it
      assertThat(server.isAlive()).as(log()).isTrue();
      Thread.sleep(20);
    }
    assertThat(server.isAlive()).isTrue();
  }

  @Test
  void concurrentCreatesEachGetTheirContainer() throws Exception {
    startServer("600");
    Path bundle = OciBundles.bundle(tmp.resolve("bundle"), "sh", "-c", "echo $0", "container");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      ids.add(TestRootfs.uniqueName("ocis" + i));
    }
    ExecutorService pool = Executors.newFixedThreadPool(ids.size());
    try {
      List<Future<Result>> creates = new ArrayList<>();
      for (String id : ids) {
        creates.add(pool.submit(() -> run(frontAlone, Map.of(), tmp.resolve(id + ".out"), "create", "--bundle",
            bundle.toString(), "--pid-file", id + ".pid", id)));
      }
      for (Future<Result> f : creates) {
        Result r = f.get();
        assertThat(r.code()).as("%s / %s", r.err(), log()).isZero();
      }
    } finally {
      pool.shutdown();
    }
    List<Integer> pids = new ArrayList<>();
    for (String id : ids) {
      pids.add(Integer.parseInt(Files.readString(tmp.resolve(id + ".pid")).trim()));
      assertThat(run(frontAlone, "start", id).code()).isZero();
    }
    assertThat(pids).doesNotHaveDuplicates();
    for (String id : ids) {
      awaitStopped(id);
      assertThat(Files.readString(tmp.resolve(id + ".out"))).isEqualTo("container\n");
      assertThat(run(front, "delete", id).code()).isZero();
    }
  }

  /**
   * A client that writes its own request: one that names the server's socket and claims nothing
   * true. The server reads the caller from /proc through its pidfd and answers its first line.
   */
  private String firstReplyOf(String wrapper, String pythonPrelude, String id, Path bundle) throws Exception {
    long nanos = Files.getLastModifiedTime(jar).to(TimeUnit.NANOSECONDS);
    String identity = jar + " " + Math.floorDiv(nanos, 1_000_000_000L) + "."
        + String.format("%09d", Math.floorMod(nanos, 1_000_000_000L)) + " " + Files.size(jar);
    List<String> fields = new ArrayList<>(List.of("poc-oci-create 1", identity, tmp.toString(), "0022", "claimed",
        "claimed", "0", "claimed", "6", "--root", root.toString(), "create", "--bundle", bundle.toString(), id));
    Path request = tmp.resolve("request-" + id);
    Files.writeString(request, String.join("\0", fields) + "\0");
    Path client = tmp.resolve("client.py");
    Files.writeString(client, "import os, socket, sys\n"
        + "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
        + "s.connect(sys.argv[1])\n"
        + "req = open(sys.argv[2], 'rb').read()\n"
        + pythonPrelude + "\n" // after the connect: what the server reads is what the caller is when it asks
        + "s.sendall(req)\n"
        + "print(s.makefile('r').readline().strip())\n");
    List<String> cmd = new ArrayList<>(List.of(wrapper.split(" ")));
    cmd.removeIf(String::isEmpty);
    cmd.addAll(List.of("/usr/bin/python3", client.toString(), socket.toString(), request.toString()));
    Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes()).trim();
    assertThat(p.waitFor()).as(out).isZero();
    return out;
  }

  @Test
  void whatTheCallerSaysOfItselfIsNotBelievedTheServerReadsItFromProc() throws Exception {
    startServer("600");
    Path bundle = OciBundles.bundle(tmp.resolve("bundle"), "true");
    String id = TestRootfs.uniqueName("ocis");
    assertThat(firstReplyOf("setpriv --bounding-set -net_raw", "", id, bundle))
        .as("fewer capabilities than claimed").startsWith("FALLBACK ids, groups, capabilities");
    assertThat(firstReplyOf("setpriv --no-new-privs", "", id, bundle))
        .as("no_new_privs, not claimed").startsWith("FALLBACK ids, groups, capabilities");
    assertThat(firstReplyOf("", "os.umask(0o077)", id, bundle)).as("another umask than claimed")
        .startsWith("FALLBACK umask differs");
    Path jail = tmp.resolve("jail");
    Files.createDirectories(jail);
    assertThat(firstReplyOf("", "os.chroot('" + jail + "'); os.chdir('/')", id, bundle))
        .as("chrooted: another root").startsWith("FALLBACK");
    assertThat(root.resolve(id)).doesNotExist();
    assertThat(server.isAlive()).as(log()).isTrue();
  }

  @Test
  void noDescriptorOfTheCallerReachesTheInitOrTheContainer() throws Exception {
    startServer("600");
    Path secret = Files.writeString(tmp.resolve("host-secret"), "host");
    Path bundle = OciBundles.bundle(tmp.resolve("bundle"), "sh", "-c", "ls -l /proc/$$/fd");
    String id = TestRootfs.uniqueName("ocis");
    Path leaky = script("front-with-fd7", "exec 7<'" + secret + "' 8>>'" + secret + "'; exec '" + frontAlone + "' \"$@\"");
    Path out = tmp.resolve("container.out");
    Result create = run(leaky, Map.of(), out, "create", "--bundle", bundle.toString(), "--pid-file", "init.pid", id);
    assertThat(create.code()).as("%s / %s", create.err(), log()).isZero();
    int pid = Integer.parseInt(Files.readString(tmp.resolve("init.pid")).trim());
    List<String> held = new ArrayList<>();
    try (var fds = Files.list(Path.of("/proc", Integer.toString(pid), "fd"))) {
      for (Path fd : fds.toList()) {
        held.add(fd.getFileName() + " -> " + Files.readSymbolicLink(fd));
      }
    }
    assertThat(held).as("the created init's descriptors").noneMatch(l -> l.contains(secret.toString()));
    assertThat(run(frontAlone, "start", id).code()).isZero();
    awaitStopped(id);
    assertThat(Files.readString(out)).as("the command's descriptors").contains(" 0 -> ").doesNotContain(secret.toString());
    assertThat(run(front, "delete", id).code()).isZero();
  }

  @Test
  void theFrontRunsOnlyAPocInitItCanVerifyAndOnlyForTheServerOfThePidFile() throws Exception {
    Path marker = tmp.resolve("ran");
    Path evil = script("poc-init-evil", "touch '" + marker + "'");
    Path replies = tmp.resolve("replies");
    Path fake = tmp.resolve("fake-server.py");
    // a server of this user that asks the front to run a file of its choosing
    Files.writeString(fake, "import os, socket, sys\n"
        + "path, pid, evil, replies = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]\n"
        + "os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)\n"
        + "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.bind(path); s.listen(1)\n"
        + "open(path + '.pid', 'w').write((str(os.getpid()) if pid == 'own' else pid) + '\\n')\n"
        + "print('listening', flush=True)\n"
        + "c, _ = s.accept(); c.settimeout(0.5)\n"
        + "try:\n  c.recv(1 << 20)\nexcept Exception:\n  pass\n"
        + "c.settimeout(None)\n"
        + "c.sendall(('OK\\nSPAWN ' + evil + ' /nonexistent\\n').encode())\n"
        + "reply = c.makefile('r').readline()\n"
        + "open(replies, 'w').write(reply)\n"
        + "c.sendall(b'EXIT 1 0\\n')\n");
    Path bundle = OciBundles.bundle(tmp.resolve("bundle"), "true");
    String id = TestRootfs.uniqueName("ocis");
    // where the runtime unpacks it as text (/run/poc/bin/, a bin directory, poc-init-*), elsewhere in fact
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path moved = Files.copy(evil, bin.resolve("poc-init-evil"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
    String dotted = "/run/poc/bin/../../.." + moved;
    for (String pid : List.of("own", "1", "dots")) {
      Files.deleteIfExists(socket);
      Files.deleteIfExists(replies);
      Process p = new ProcessBuilder("/usr/bin/python3", fake.toString(), socket.toString(),
          pid.equals("dots") ? "own" : pid, pid.equals("dots") ? dotted : evil.toString(), replies.toString())
          .redirectErrorStream(true).start();
      try {
        assertThat(new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream())).readLine())
            .isEqualTo("listening");
        Result r = run(frontAlone, "create", "--bundle", bundle.toString(), id);
        if (pid.equals("own")) {
          assertThat(r.code()).as(r.err()).isEqualTo(1);
          assertThat(Files.readString(replies)).as("the front's answer to SPAWN").startsWith("FAILED")
              .contains("not where the runtime unpacks poc-init");
        } else if (pid.equals("dots")) {
          assertThat(r.code()).as(r.err()).isEqualTo(1);
          assertThat(Files.readString(replies)).as("the front's answer to SPAWN " + dotted).startsWith("FAILED")
              .contains("component");
        } else {
          assertThat(r.code()).as("a server whose pid is not SOCKET.pid's: the JVM's").isEqualTo(97);
        }
        assertThat(marker).as("the server's file never runs").doesNotExist();
      } finally {
        p.destroyForcibly();
        p.waitFor();
      }
    }
  }

  @Test
  void aSocketNoServerListensOnAsksForANewServer() throws Exception {
    Path say = script("say-none", "echo \"none=${POC_OCI_SERVER_NONE:-}\"");
    String env = "POC_OCI_JAR='" + jar + "' POC_OCI_SERVER_DIR='" + serverDir + "' ";
    Path asker = script("front-says-none", "POC_OCI_LAUNCHER='" + say + "' " + env
        + "exec '" + Path.of("target/poc-oci-front").toAbsolutePath() + "' \"$@\"");
    Path bundle = OciBundles.bundle(tmp.resolve("bundle"), "true");
    assertThat(run(asker, "create", "--bundle", bundle.toString(), "x").out().trim()).as("no socket").isEqualTo("none=1");
    // a server that died uncleanly: its socket file is left, and nothing listens
    Files.createDirectories(serverDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    try (var dead = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      dead.bind(java.net.UnixDomainSocketAddress.of(socket));
    }
    assertThat(socket).exists();
    assertThat(run(asker, "create", "--bundle", bundle.toString(), "x").out().trim()).as("a stale socket")
        .isEqualTo("none=1");
    assertThat(run(asker, "pause", "x").out().trim()).as("not a create").isEqualTo("none=");
    Files.delete(socket);
    startServer("600");
    Result mismatch = run(asker, Map.of("POC_OCI_SERVER_NONE", "1"), Files.createTempFile(tmp, "out", ".txt"), "--debug", "create", "x");
    assertThat(mismatch.out().trim()).as("the caller's own value is not passed on").isEqualTo("none=");
  }

  @Test
  void theServerDrivesOnlyTheHelperWhosePidTheFrontReported() throws Exception {
    startServer("600");
    Path bundle = OciBundles.bundle(tmp.resolve("bundle"), "true");
    String id = TestRootfs.uniqueName("ocis");
    long nanos = Files.getLastModifiedTime(jar).to(TimeUnit.NANOSECONDS);
    String identity = jar + " " + Math.floorDiv(nanos, 1_000_000_000L) + "."
        + String.format("%09d", Math.floorMod(nanos, 1_000_000_000L)) + " " + Files.size(jar);
    List<String> fields = new ArrayList<>(List.of("poc-oci-create 1", identity, tmp.toString(), "0022", "claimed",
        "claimed", "0", "claimed", "6", "--root", root.toString(), "create", "--bundle", bundle.toString(), id));
    Path request = tmp.resolve("request");
    Files.writeString(request, String.join("\0", fields) + "\0");
    // a front that reports the pid of a sleep, and connects to the helper's socket itself
    Path client = tmp.resolve("impostor.py");
    Files.writeString(client, "import socket, subprocess, sys, threading\n"
        + "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.settimeout(60)\n"
        + "s.connect(sys.argv[1]); s.sendall(open(sys.argv[2], 'rb').read())\n"
        + "f = s.makefile('rb')\n"
        + "assert f.readline() == b'OK\\n'\n"
        + "spawn = f.readline().split()\n"
        + "imp = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); imp.settimeout(60); imp.connect(spawn[2].decode())\n"
        + "sleeper = subprocess.Popen(['sleep', '1']); threading.Thread(target=sleeper.wait).start()\n"
        + "s.sendall(b'PID %d\\n' % sleeper.pid)\n"
        + "exit_line = f.readline().split()\n"
        + "print(exit_line[1].decode()); print(f.read(int(exit_line[2])).decode())\n"
        + "print('impostor got', len(imp.recv(1 << 16)), 'bytes')\n");
    Process p = new ProcessBuilder("/usr/bin/python3", client.toString(), socket.toString(), request.toString())
        .directory(tmp.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as("%s / %s", out, log()).isZero();
    assertThat(out).as(log()).startsWith("1\n").contains("exited before connecting").contains("impostor got 0 bytes");
    assertThat(root.resolve(id)).doesNotExist();
    assertThat(server.isAlive()).isTrue();
  }

  @Test
  void aLeavingServerNeverRemovesASuccessorsSocket() throws Exception {
    startServer("600");
    Files.delete(socket); // as if this server's socket were gone and a successor had bound its own
    try (var successor = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      successor.bind(java.net.UnixDomainSocketAddress.of(socket));
      Object inode = Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
      server.destroy(); // SIGTERM: its exit hook stops accepting
      assertThat(server.waitFor(60, TimeUnit.SECONDS)).as(log()).isTrue();
      assertThat(socket).as("the successor's socket").exists();
      assertThat(Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class).fileKey()).isEqualTo(inode);
    } finally {
      Files.deleteIfExists(socket);
    }
  }
}
