package dev.poc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poc.seccomp.Seccomp;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default seccomp profile on the real kernel: a static probe calls some sixty system calls
 * inside a poc container and under runc given the same profile (rendered to config.json as Docker
 * would hand it to runc); the two tables of results must match.
 */
class SeccompTest extends RuntimeTestBase {
  /** io_uring: Docker's profile (the one runc gets here) allows it; poc refuses it on purpose. */
  private static final Set<String> POC_STRICTER = Set.of("io_uring_setup", "io_uring_enter", "io_uring_register");
  private static final List<String> DOCKER_CAPS = Capability.dockerDefaults().stream().map(Capability::capName)
      .sorted().toList();

  @TempDir
  static Path work;
  static Path rootfs;

  @BeforeAll
  static void probeRootfs() throws Exception {
    rootfs = work.resolve("rootfs");
    TestRootfs.makeBusybox(rootfs);
    Path src = work.resolve("syscall-probe.c");
    try (InputStream in = SeccompTest.class.getResourceAsStream("syscall-probe.c")) {
      Files.copy(in, src);
    }
    String cc = Files.isExecutable(Path.of("/usr/bin/musl-gcc")) ? "musl-gcc" : "gcc";
    Process p = new ProcessBuilder(cc, "-static", "-O1", "-o", rootfs.resolve("bin/syscall-probe").toString(),
        src.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as("compiling the probe: " + out).isZero();
    // The i386 ABI needs no 32-bit libc: the probe makes its calls with int $0x80 itself.
    Path i386 = work.resolve("i386-probe.c");
    try (InputStream in = SeccompTest.class.getResourceAsStream("i386-probe.c")) {
      Files.copy(in, i386);
    }
    Process q = new ProcessBuilder("gcc", "-m32", "-static", "-nostdlib", "-ffreestanding", "-fno-pic",
        "-fno-stack-protector", "-O1", "-o", rootfs.resolve("bin/i386-probe").toString(), i386.toString())
        .redirectErrorStream(true).start();
    i386Built = q.waitFor() == 0;
  }

  static boolean i386Built;

  private static Map<String, String> table(String out) {
    Map<String, String> t = new TreeMap<>();
    for (String line : out.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        t.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return t;
  }

  private static Map<String, String> inPoc(ContainerSpec.Builder b) throws Exception {
    return inPoc(b, "/bin/syscall-probe");
  }

  private static Map<String, String> inPoc(ContainerSpec.Builder b, String probe) throws Exception {
    Run r = Run.of(b.name(TestRootfs.uniqueName("sec")).rootfs(Rootfs.directory(rootfs)).command(probe));
    assertThat(r.code()).as(r.toString()).isZero();
    return table(r.out);
  }

  @Test
  void theDefaultProfileAnswersLikeDockersUnderRunc() throws Exception {
    Map<String, String> poc = inPoc(runtime.container());
    Map<String, String> runc = underRunc(dockerProfileForRunc());
    assertThat(poc).hasSizeGreaterThanOrEqualTo(60);
    // what no capability opens, refused by the filter (EPERM) ...
    for (String call : List.of("kcmp", "get_mempolicy", "set_mempolicy", "mbind", "move_pages",
        "personality(PER_BSD)", "personality(READ_IMPLIES_EXEC)", "personality(high bits)", "socket(AF_VSOCK)",
        "clock_settime", "vhangup", "keyctl", "userfaultfd", "bpf", "io_uring_setup", "open_by_handle_at",
        "unshare(0)", "unshare(CLONE_NEWUSER)", "clone(CLONE_NEWUSER)", "syslog", "quotactl", "fanotify_init",
        "mount", "reboot", "setns", "open_tree", "pidfd_getfd", "sysfs", "kexec_load")) {
      assertThat(poc.get(call)).as(call).isEqualTo("E1");
    }
    // ... clone3 sends libc back to clone, and the ordinary calls work
    assertThat(poc.get("clone3")).isEqualTo("E38");
    assertThat(poc.get("listmount")).as("newer than every call the profile names").isEqualTo("E38");
    assertThat(poc.get("x32 kcmp")).as("x32 has the same filter").isEqualTo("E1");
    for (String call : List.of("getpid", "clone(SIGCHLD)", "socket(AF_INET)", "socket(AF_UNIX)", "personality(query)",
        "process_vm_readv", "chroot", "mkdir", "getrandom")) {
      assertThat(poc.get(call)).as(call).isEqualTo("ok");
    }
    Map<String, String> differing = new TreeMap<>();
    for (String call : poc.keySet()) {
      if (!poc.get(call).equals(runc.get(call))) {
        differing.put(call, "poc " + poc.get(call) + ", runc " + runc.get(call));
      }
    }
    assertThat(runc.keySet()).isEqualTo(poc.keySet());
    assertThat(differing.keySet()).as(differing.toString()).isEqualTo(POC_STRICTER);
  }

  @Test
  void theI386AbiIsAdmittedAndFilteredWithItsOwnNumbers() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(i386Built, "gcc -m32 cannot build the i386 probe here");
    Map<String, String> poc = inPoc(runtime.container(), "/bin/i386-probe");
    assertThat(poc).containsEntry("i386 getpid", "ok").containsEntry("i386 kcmp", "E1")
        .containsEntry("i386 personality(PER_BSD)", "E1");
    assertThat(underRunc(dockerProfileForRunc(), "/bin/i386-probe")).isEqualTo(poc);
  }

  @Test
  void capabilitiesOpenTheCallsTheyGuard() throws Exception {
    Map<String, String> t = inPoc(runtime.container().capAdd(Capability.SYS_PTRACE, Capability.SYS_NICE));
    assertThat(t.get("kcmp")).isEqualTo("ok");
    assertThat(t.get("get_mempolicy")).isEqualTo("ok");
    assertThat(t.get("pidfd_getfd")).isEqualTo("E9"); // open now: the kernel says bad fd
    assertThat(t.get("clock_settime")).isEqualTo("E1");
    Map<String, String> dropped = inPoc(runtime.container().capDrop(Capability.SYS_CHROOT));
    assertThat(dropped.get("chroot")).isEqualTo("E1");
  }

  @Test
  void theCommandAndTheInitRunUnderOneFilterEach() throws Exception {
    // Docker's default goes into the init before READY and the command inherits it: one filter,
    // never a second copy stacked on it (which would double each system call's cost)
    Run r = Run.of(busybox("one", "grep -E '^Seccomp(_filters)?:' /proc/self/status /proc/1/status"));
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out).contains("/proc/self/status:Seccomp:\t2", "/proc/self/status:Seccomp_filters:\t1",
        "/proc/1/status:Seccomp:\t2", "/proc/1/status:Seccomp_filters:\t1");
    // a user's own profile still goes in last, in the command, as runc does; the init gets it too,
    // right after it forks the command (beside the command's own set-up, so the command may look
    // first: it waits a bounded while for it)
    Run own = Run.of(busybox("own", "i=0; while [ $i -lt 5000 ] && ! grep -q '^Seccomp_filters:.1' /proc/1/status; "
        + "do i=$((i+1)); done; grep -E '^Seccomp_filters:' /proc/self/status /proc/1/status")
        .seccomp(Seccomp.fromJson("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}", "allow-all")));
    assertThat(own.code()).as(own.toString()).isZero();
    assertThat(own.out).contains("/proc/self/status:Seccomp_filters:\t1", "/proc/1/status:Seccomp_filters:\t1");
  }

  @Test
  void unconfinedInstallsNoFilter() throws Exception {
    Run r = Run.of(busybox("unc", "grep Seccomp: /proc/self/status").seccomp(Seccomp.unconfined()));
    assertThat(r.out).contains("Seccomp:\t0");
    Map<String, String> t = inPoc(runtime.container().seccomp(Seccomp.unconfined()));
    assertThat(t.get("kcmp")).isEqualTo("ok");
    assertThat(t.get("clone3")).isNotEqualTo("E38");
  }

  @Test
  void aUserProfileDeniesMkdirWithEacces() throws Exception {
    Path profile = work.resolve("no-mkdir.json");
    Files.writeString(profile, "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdir\", "
        + "\"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13}]}");
    Seccomp noMkdir = Seccomp.fromJson(profile);
    Run r = Run.of(busybox("mkd", "/bin/syscall-probe mkdir /tmp/d; mkdir /tmp/e 2>&1; touch /tmp/f && echo touched")
        .rootfs(Rootfs.directory(rootfs)).seccomp(noMkdir));
    assertThat(r.out).contains("mkdir=E13").contains("Permission denied").contains("touched");
    // exec'd commands get the container's filter too, also from another runtime (through state.json)
    try (Container c = busybox("mkx", "sleep 30").rootfs(Rootfs.directory(rootfs)).seccomp(noMkdir).start();
         ContainerProcess p = c.exec("/bin/syscall-probe", "mkdir", "/tmp/g");
         ContainerRuntime other = ContainerRuntime.open(runtime.stateRoot());
         ContainerProcess q = other.exec(c.name(), ExecSpec.of("/bin/syscall-probe", "mkdir", "/tmp/h"))) {
      assertThat(new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8)).contains("mkdir=E13");
      assertThat(new String(q.stdout().readAllBytes(), StandardCharsets.UTF_8)).contains("mkdir=E13");
    }
  }

  @Test
  void badProfilesFailBeforeAnythingStarts() throws Exception {
    Map<String, String> bad = new LinkedHashMap<>();
    bad.put("malformed.json", "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [");
    bad.put("unknown-call.json", "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"mkdri\"], "
        + "\"action\": \"SCMP_ACT_ERRNO\"}]}");
    bad.put("trace.json", "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"ptrace\"], "
        + "\"action\": \"SCMP_ACT_TRACE\"}]}");
    for (Map.Entry<String, String> e : bad.entrySet()) {
      Path f = work.resolve(e.getKey());
      Files.writeString(f, e.getValue());
      String name = TestRootfs.uniqueName("bad");
      assertThatThrownBy(() -> busybox("bad", "true").name(name).seccomp(Seccomp.fromJson(f)).start())
          .isInstanceOf(InvalidSpecException.class).hasMessageContaining(f.toString());
      assertThat(runtime.runDir(name)).doesNotExist();
    }
  }

  @Test
  void theInitIsConfinedAndShowsNoHostPath() throws Exception {
    Run r = Run.of(busybox("ini", "for i in $(seq 200); do grep -q 'Seccomp:.2' /proc/1/status && break; "
        + "usleep 10000; done; grep -E '^(CapEff|CapPrm|CapBnd|NoNewPrivs|Seccomp):' /proc/1/status; "
        + "tr '\\0' ' ' < /proc/1/cmdline; echo"));
    assertThat(r.out).contains("NoNewPrivs:\t1").contains("Seccomp:\t2")
        .contains("CapEff:\t0000000000000020").contains("CapBnd:\t0000000000000020");
    assertThat(r.out).contains("poc-init").doesNotContain("/run/poc").doesNotContain("/var/lib").doesNotContain("sock");
  }

  /** Our default profile as Docker hands it to runc for a container with the 14 capabilities, plus io_uring. */
  private static String dockerProfileForRunc() throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode p = (ObjectNode) json.readTree(Seccomp.dockerDefault().ociJson(Set.copyOf(DOCKER_CAPS)).orElseThrow());
    ObjectNode ioUring = json.createObjectNode();
    ioUring.set("names", json.valueToTree(POC_STRICTER));
    ioUring.put("action", "SCMP_ACT_ALLOW");
    ((ArrayNode) p.get("syscalls")).add(ioUring);
    return json.writeValueAsString(p);
  }

  private static Map<String, String> underRunc(String seccompJson) throws Exception {
    return underRunc(seccompJson, "/bin/syscall-probe");
  }

  private static Map<String, String> underRunc(String seccompJson, String probe) throws Exception {
    Path bundle = Files.createDirectories(work.resolve("bundle-" + probe.substring(5)));
    ObjectMapper json = new ObjectMapper();
    Map<String, Object> process = new LinkedHashMap<>();
    process.put("terminal", false);
    process.put("user", Map.of("uid", 0, "gid", 0));
    process.put("args", List.of(probe));
    process.put("env", List.of("PATH=/bin"));
    process.put("cwd", "/");
    process.put("capabilities", Map.of("bounding", DOCKER_CAPS, "effective", DOCKER_CAPS, "permitted", DOCKER_CAPS));
    process.put("noNewPrivileges", true);
    Map<String, Object> linux = new LinkedHashMap<>();
    linux.put("namespaces", List.of("pid", "ipc", "uts", "mount", "network").stream()
        .map(t -> Map.of("type", t)).collect(Collectors.toList()));
    linux.put("seccomp", json.readTree(seccompJson));
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("ociVersion", "1.0.2");
    config.put("process", process);
    config.put("root", Map.of("path", rootfs.toString(), "readonly", false));
    config.put("hostname", "probe");
    config.put("mounts", List.of(
        Map.of("destination", "/proc", "type", "proc", "source", "proc"),
        Map.of("destination", "/dev", "type", "tmpfs", "source", "tmpfs", "options", List.of("nosuid", "mode=755")),
        Map.of("destination", "/tmp", "type", "tmpfs", "source", "tmpfs", "options", List.of("nosuid", "nodev"))));
    config.put("linux", linux);
    json.writeValue(bundle.resolve("config.json").toFile(), config);
    String id = TestRootfs.uniqueName("seccomp-runc");
    Process p = new ProcessBuilder("runc", "--root", work.resolve("runc-state").toString(), "run", "--bundle",
        bundle.toString(), id).redirectError(ProcessBuilder.Redirect.PIPE).start();
    p.getOutputStream().close();
    var err = Run.drain(p.getErrorStream());
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    assertThat(p.exitValue()).as("runc: " + err.get()).isZero();
    return table(out);
  }
}
