package dev.poc;

import dev.poc.network.AddressAllocator;
import dev.poc.network.NetworkSetup;
import dev.poc.state.NameLock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every error a user can cause at start: its type, its message, and nothing left behind. */
class StartErrorsTest extends RuntimeTestBase {
  @AfterEach
  void nothingLeft() throws Exception {
    Path runs = runtime.stateRoot().resolve("run");
    if (Files.isDirectory(runs)) {
      try (var s = Files.list(runs)) {
        assertThat(s).as("run directories left after a failed start").isEmpty();
      }
    }
  }

  private static ContainerSpec.Builder bb() {
    return runtime.container().name(TestRootfs.uniqueName("err")).rootfs(Rootfs.directory(busybox));
  }

  @Test
  void commandNotFoundNamesTheCommandTheRootfsAndThePath() {
    assertThatThrownBy(() -> bb().command("no-such-command", "x").start())
        .isInstanceOf(CommandNotFoundException.class)
        .hasMessageContaining("command 'no-such-command' not found")
        .hasMessageContaining(busybox.toString())
        .hasMessageContaining("PATH /usr/local/sbin:");
    assertThatThrownBy(() -> bb().command("/opt/nothing/here").start())
        .isInstanceOf(CommandNotFoundException.class)
        .hasMessageContaining("command '/opt/nothing/here' not found");
  }

  @Test
  void aCommandThatIsNotExecutableSaysSo() throws Exception {
    Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "noexec");
    Path script = Files.writeString(dir.resolve("script.sh"), "#!/bin/sh\necho hi\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> bb().bind(dir, "/opt/app", true).command("/opt/app/script.sh").start())
        .isInstanceOf(CommandNotFoundException.class)
        .hasMessageContaining("'/opt/app/script.sh' is not executable")
        .hasMessageContaining("chmod +x");
  }

  @Test
  void aMissingRootfsOrOneThatIsNotADirectoryIsRefused() throws Exception {
    Path missing = Path.of("target", "no-such-rootfs").toAbsolutePath();
    assertThatThrownBy(() -> runtime.container().name(TestRootfs.uniqueName("err")).rootfs(Rootfs.directory(missing))
        .command("true").start())
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("rootfs " + missing + " does not exist");
    Path file = Files.createTempFile(Path.of("target").toAbsolutePath(), "rootfs", ".file");
    assertThatThrownBy(() -> runtime.container().name(TestRootfs.uniqueName("err")).rootfs(Rootfs.directory(file))
        .command("true").start())
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("is not a directory");
  }

  @Test
  void invalidNamesAreRefusedWithTheRule() {
    for (String bad : new String[] {"", "..", "a/b", "-lead", ".hidden", "x".repeat(65), "sp ace", "a..b"}) {
      assertThatThrownBy(() -> Container.builder().name(bad).command("true").build())
          .as("name '%s'", bad)
          .isInstanceOf(InvalidSpecException.class)
          .hasMessageContaining("container name");
    }
    assertThat(Container.builder().name("a".repeat(64)).command("true").build().name()).hasSize(64);
    assertThat(Container.builder().name("test0_a.b-c").command("true").build().name()).isEqualTo("test0_a.b-c");
  }

  @Test
  void aNameAlreadyRunningIsRefusedInThisAndAnotherRuntime() throws Exception {
    String name = TestRootfs.uniqueName("dup");
    try (Container first = runtime.container().name(name).rootfs(Rootfs.directory(busybox)).command("sleep", "30").start()) {
      assertThatThrownBy(() -> runtime.container().name(name).rootfs(Rootfs.directory(busybox)).command("true").start())
          .isInstanceOf(NameInUseException.class)
          .hasMessageContaining("container '" + name + "' is already running")
          .hasMessageContaining("poc stop " + name);
      try (ContainerRuntime other = ContainerRuntime.open(TestRootfs.stateRoot())) {
        assertThatThrownBy(() -> other.container().name(name).rootfs(Rootfs.directory(busybox)).command("true").start())
            .isInstanceOf(NameInUseException.class);
      }
      assertThat(first.isRunning()).isTrue();
    }
  }

  @Test
  void aRefusedSecondStartKeepsTheNameLockedForOtherProcesses() throws Exception {
    String name = TestRootfs.uniqueName("dupl");
    try (Container first = runtime.container().name(name).rootfs(Rootfs.directory(busybox)).command("sleep", "30").start()) {
      assertThat(lockedByAnotherProcess(name)).isTrue();
      assertThatThrownBy(() -> runtime.container().name(name).rootfs(Rootfs.directory(busybox)).command("true").start())
          .isInstanceOf(NameInUseException.class);
      runtime.reclaim(); // looks at every name of the state root, the running one too
      // With fcntl locks (one owner per process) the refusal's closing of its own descriptor of the
      // lock file dropped the running container's lock, and another process's runtime reclaimed it.
      assertThat(lockedByAnotherProcess(name)).isTrue();
      assertThat(first.isRunning()).isTrue();
    }
    assertThat(lockedByAnotherProcess(name)).isFalse();
  }

  /** Whether a process other than this JVM finds the name taken (a flock on its lock file). */
  static boolean lockedByAnotherProcess(String name) throws Exception {
    Process p = new ProcessBuilder("python3", "-c", "import fcntl,sys\n"
        + "try: f = open(sys.argv[1])\n"
        + "except FileNotFoundError: sys.exit(0)\n"
        + "fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\n", NameLock.DIR.resolve(name + ".lock").toString())
        .redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    return p.waitFor() != 0;
  }

  @Test
  void anUnprivilegedUserCannotReachPocsHostState() throws Exception {
    // The address lease tables are locked with fcntl before every networked start; a shared lock
    // by anyone who can open one would make those starts wait forever.
    AddressAllocator pool = new AddressAllocator(NetworkSetup.LEASE_DIR, NetworkSettings.defaults().bridgePool());
    pool.leases(); // the table exists from here on
    Path table = NetworkSetup.LEASE_DIR.resolve(pool.subnet().toString().replace('/', '_') + ".leases.json");
    Process p = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c",
        "import fcntl,sys; f=open(sys.argv[1]); fcntl.lockf(f, fcntl.LOCK_SH | fcntl.LOCK_NB, 1, 0); print('LOCKED')",
        table.toString()).directory(new java.io.File("/")).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    assertThat(out).doesNotContain("LOCKED").contains("PermissionError");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ContainerRuntime.HOST_STATE))).isEqualTo("rwx------");
  }

  @Test
  void aMissingBindSourceOrCwdIsReported() {
    assertThatThrownBy(() -> bb().bind(Path.of("/no/such/dir"), "/data", false).command("true").start())
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("bind source /no/such/dir does not exist");
    assertThatThrownBy(() -> bb().cwd("/no/such/cwd").command("true").start())
        .isInstanceOf(StartFailedException.class)
        .hasMessageContaining("chdir /no/such/cwd: No such file or directory");
  }

  @Test
  void badSpecValuesAreRefusedBeforeAnythingRuns() {
    assertThatThrownBy(() -> Container.builder().name("x").build())
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("has no command");
    assertThatThrownBy(() -> Container.builder().name("x").command("true").cwd("tmp").build())
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("cwd 'tmp' is not absolute");
    assertThatThrownBy(() -> Container.builder().name("x").command("true")
        .namespaces(java.util.EnumSet.of(Namespace.PID)).build())
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("MOUNT namespace cannot be turned off");
    assertThatThrownBy(() -> Container.builder().name("x").command("true").bind(Path.of("/tmp"), "data", false).build())
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("bind destination 'data' is not absolute");
    for (String hidden : new String[] {"/proc/x", "/sys", "/dev/sda"}) {
      assertThatThrownBy(() -> Container.builder().name("x").command("true").bind(Path.of("/tmp"), hidden, false).build())
          .isInstanceOf(InvalidSpecException.class)
          .hasMessageContaining("bind destination '" + hidden + "' is under")
          .hasMessageContaining("bind it elsewhere, e.g. /mnt" + hidden);
    }
    assertThatThrownBy(() -> Container.builder().command("true").build())
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("lacks .name(...)")
        .hasMessageNotContaining("required attributes");
    assertThatThrownBy(() -> Container.builder().name("x").command("true").putEnv("A=B", "c").build())
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("environment variable name 'A=B'");
    // A newline would forge lines of the /etc/hosts written from it; over 64 the kernel refuses it late.
    assertThatThrownBy(() -> Container.builder().name("x").command("true").hostname("a\n10.0.0.1 b").build())
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("hostname 'a\n10.0.0.1 b' of container 'x' is not valid");
    assertThatThrownBy(() -> Container.builder().name("x").command("true").hostname("h".repeat(65)).build())
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("is not valid: use 1 to 64");
    // Pipes to this JVM break when it exits, and the detached command dies at its next write.
    // (Output goes to the container's log unless set: a detached container is fine with the defaults.)
    assertThat(Container.builder().name("x").command("true").detached(true).build().stdout()).isEqualTo(Stdio.LOG);
    assertThatThrownBy(() -> Container.builder().name("x").command("true").detached(true).stdout(Stdio.PIPE).build())
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("container 'x' is detached but writes to a pipe")
        .hasMessageContaining("Stdio.DISCARD");
    assertThat(Container.builder().name("x").command("true").detached(true).stdout(Stdio.DISCARD).stderr(Stdio.INHERIT)
        .build().detached()).isTrue();
  }

  @Test
  void namespacesCanBeSharedWithTheHost() throws Exception {
    Run r = Run.of(bb().namespaces(java.util.EnumSet.of(Namespace.MOUNT, Namespace.PID, Namespace.IPC, Namespace.UTS))
        .command("sh", "-c", "ip -o link | wc -l"));
    assertThat(Integer.parseInt(r.out.trim())).as(r.toString()).isGreaterThan(1); // the host's interfaces
  }
}
