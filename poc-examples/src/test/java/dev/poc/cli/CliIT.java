package dev.poc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The CLI end to end, as root, through the packaged jar, in a state root of its own. */
class CliIT {
  private static final List<String> COMMANDS =
      List.of("init", "build", "run", "exec", "ps", "stop", "stats", "rm", "pull", "import", "images", "rmi", "prune", "info", "help");
  private static Cli cli;

  @BeforeAll
  static void setUp() throws Exception {
    cli = new Cli();
  }

  @AfterAll
  static void nothingLeft() throws Exception {
    Path runs = cli.stateRoot().resolve("run");
    if (Files.isDirectory(runs)) {
      try (var left = Files.list(runs)) {
        assertThat(left.toList()).as("run directories left behind").isEmpty();
      }
    }
    cli.close();
  }

  @Test
  void helpGivesEveryCommandWithAnExample() throws Exception {
    Cli.Result help = cli.run("help");
    assertThat(help.code()).isZero();
    for (String c : COMMANDS) {
      assertThat(help.out()).contains("  " + c + " ");
    }
    for (String c : COMMANDS.subList(0, COMMANDS.size() - 1)) {
      Cli.Result r = cli.run(c, "--help");
      assertThat(r.code()).as(c + " --help").isZero();
      assertThat(r.out()).as(c + " --help").contains("Example:").contains("sudo ./poc " + c);
      assertThat(cli.run("help", c).out()).isEqualTo(r.out());
      assertThat(help.out()).as("poc help shows an example of " + c).contains("  sudo ./poc " + c);
    }
    assertThat(help.out()).contains("$POC_BRIDGE", "$POC_BRIDGE_SUBNET", "$POC_DEFAULT_SUBNET", "$POC_CHAIN_PREFIX");
  }

  @Test
  void usageErrorsExit2AndSayWhatToType() throws Exception {
    String name = Cli.name("usage");
    assertUsage(cli.run(), "Usage: poc");
    assertUsage(cli.run("run"), "Missing required parameter", "Example: sudo ./poc run net-disabled test0 bash");
    assertUsage(cli.run("run", "net-defualt", name, "bash"),
        "unknown network mode 'net-defualt': use net-disabled, net-default or net-bridge");
    assertUsage(cli.run("rnu", name), "'rnu' is not a poc command: did you mean 'poc run'?");
    assertUsage(cli.run("build", name, "disksize", "20G"), "expected the word 'disk-size' after the name",
        "poc build " + name + " disk-size 20G");
    assertUsage(cli.run("run", "--publish", "80x", "net-disabled", name, "true"), "--publish '80x' is not HOST:CONTAINER");
    assertUsage(cli.run("run", "--env", "FOO", "net-disabled", name, "true"), "--env 'FOO' is not K=V");
    assertUsage(cli.run("run", "--volume", "/tmp:rel", "net-disabled", name, "true"), "is not HOST:CONTAINER[:ro]");
    assertUsage(cli.run("run", "--host-rootfs", "--memory", "1K", "net-disabled", name, "true"), "below 4M");
    assertUsage(cli.run("run", "--host-rootfs", "--rootfs", "/", "net-disabled", name, "true"), "mutually exclusive");
    assertUsage(cli.run("exec", name), "Missing required parameter", "Example: sudo ./poc exec test0 ps aux");
    assertUsage(cli.run("run", "--host-rootfs", "--publish", "8080:80", "net-disabled", name, "true"),
        "--publish needs a network and net-disabled has none: write net-bridge (or net-default) instead of net-disabled");
    assertUsage(cli.run("stats"), "Missing required parameter", "Example: sudo ./poc stats test0");
  }

  @Test
  void aSpecTheRuntimeRefusesIsAUsageErrorForRunAndExecAlike() throws Exception {
    String name = Cli.name("spec");
    assertUsage(cli.run("run", "--host-rootfs", "--workdir", "data", "net-disabled", name, "true"),
        "cwd 'data' is not absolute: write it as /data");
    assertUsage(cli.run("exec", "--workdir", "data", name, "true"), "cwd 'data' is not absolute: write it as /data");
  }

  private static void assertUsage(Cli.Result r, String... fragments) {
    assertThat(r.code()).as(r.toString()).isEqualTo(2);
    for (String f : fragments) {
      assertThat(r.err()).as(r.toString()).contains(f);
    }
  }

  @Test
  void runReturnsTheCommandsStatusAndOutput() throws Exception {
    String name = Cli.name("run");
    Cli.Result r = cli.run("run", "--host-rootfs", "net-disabled", name, "sh", "-c", "hostname; echo $$; ls -d /etc; exit 3");
    assertThat(r.code()).as(r.toString()).isEqualTo(3);
    assertThat(r.out()).isEqualTo(name + "\n2\n/etc\n");
    Cli.Result killed = cli.run("run", "--host-rootfs", "net-disabled", name, "sh", "-c", "kill -TERM $$");
    assertThat(killed.code()).as(killed.toString()).isEqualTo(128 + 15);
  }

  @Test
  void withoutATerminalStdinIsAPlainPipe() throws Exception {
    Cli.Result r = cli.runWithInput("hello\nworld\n", "run", "--host-rootfs", "net-disabled", Cli.name("pipe"), "sh", "-c",
        "test -t 0 || echo no-tty; cat");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo("no-tty\nhello\nworld\n");
  }

  @Test
  void theContainersStdioIsPipesNeverTheCallersFiles() throws Exception {
    // The CLI's stdout is a host log file with earlier contents and its stdin a host directory:
    // through /proc/self/fd a container holding those would read the log or walk the host's root.
    Path dir = cli.tempDir("poc-stdio-");
    Path log = Files.writeString(dir.resolve("out.log"), "EARLIER LINE OF THE HOST LOG\n");
    String script = "stat -L -c %F /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2; cat; "
        + "cd /proc/self/fd/0 2>&1 && ls; head -c 300000 /dev/zero | tr '\\0' x; echo; exit 4";
    Cli.Result r = cli.exec(List.of("bash", "-c", cli.commandLine() + " run --host-rootfs net-disabled "
        + Cli.name("stdio") + " sh -c \"" + script + "\" < / >> " + log + " 2>&1"), null);
    String out = Files.readString(log);
    assertThat(r.code()).as(out).isEqualTo(4);
    assertThat(out).startsWith("EARLIER LINE OF THE HOST LOG\nfifo\nfifo\nfifo\n");
    assertThat(out).as("cd into stdin fails").contains("can't cd to /proc/self/fd/0");
    assertThat(out).as("everything written before the exit is in the log").endsWith("x".repeat(300000) + "\n");
    Path input = Files.writeString(dir.resolve("in.txt"), "from a host file\n");
    Cli.Result fromFile = cli.exec(List.of("bash", "-c", cli.commandLine() + " run --host-rootfs net-disabled "
        + Cli.name("stdin") + " sh -c 'stat -L -c %F /proc/self/fd/0; cat' < " + input), null);
    assertThat(fromFile.out()).as(fromFile.toString()).isEqualTo("fifo\nfrom a host file\n");
  }

  @Test
  void runOnADirectoryWithEnvVolumeWorkdirAndUser() throws Exception {
    Path root = cli.busyboxRoot();
    Path data = cli.tempDir("poc-cli-data-");
    Files.writeString(data.resolve("f"), "from the host\n");
    Cli.Result r = cli.run("run", "--rootfs", root.toString(), "--env", "GREETING=hi there", "--volume", data + ":/data:ro",
        "--workdir", "/data", "--user", "1000:1000", "net-disabled", Cli.name("dir"),
        "sh", "-c", "echo $GREETING; cat f; pwd; id -u; touch g 2>/dev/null || echo read-only");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo("hi there\nfrom the host\n/data\n1000\nread-only\n");
  }

  @Test
  void pocsOwnErrorsExit125AndSayWhatToDo() throws Exception {
    String name = Cli.name("err");
    Cli.Result neverBuilt = cli.run("run", "net-disabled", name, "bash");
    assertThat(neverBuilt.code()).as(neverBuilt.toString()).isEqualTo(125);
    assertThat(neverBuilt.err()).contains("poc build " + name + " disk-size 20G");
    Cli.Result notFound = cli.run("run", "--host-rootfs", "net-disabled", name, "no-such-program");
    assertThat(notFound.code()).isEqualTo(127); // the command's failure, as a shell and Docker report it (LogsCliIT)
    assertThat(notFound.err()).contains("command 'no-such-program' not found in the rootfs (host rootfs)");
    Cli.Result noExec = cli.run("exec", name, "true");
    assertThat(noExec.code()).isEqualTo(125);
    assertThat(noExec.err()).contains("no container named '" + name + "' is running").contains("poc ps");
    Cli.Result noStop = cli.run("stop", name);
    assertThat(noStop.code()).isEqualTo(125);
    assertThat(noStop.err()).contains("no container named '" + name + "' is running");
    Cli.Result noStats = cli.run("stats", name);
    assertThat(noStats.code()).isEqualTo(125);
    assertThat(noStats.out()).as("no table for a container that is not running").isEmpty();
    assertThat(noStats.err()).contains("no container named '" + name + "' is running", "poc run net-disabled " + name);
    Cli.Result badEnv = cli.exec(List.of("env", "POC_BRIDGE_SUBNET=10.100.0.0/24", "java", "-jar", Cli.jar().toString(), "ps"), null);
    assertThat(badEnv.code()).as(badEnv.toString()).isEqualTo(125);
    assertThat(badEnv.err()).contains("bridge subnet '10.100.0.0/24' is smaller than /23",
        "set in the environment: ", "POC_BRIDGE_SUBNET=10.100.0.0/24", "fix the variable, or unset it");
  }

  @Test
  void detachedContainerOutlivesTheCliAndPsExecStopFindIt() throws Exception {
    String name = Cli.name("bg");
    Cli.Result started = cli.run("run", "--detach", "--host-rootfs", "net-disabled", name, "sleep", "1000");
    assertThat(started.code()).as(started.toString()).isZero();
    assertThat(started.out()).isEqualTo(name + "\n");
    Cli.Result ps = cli.run("ps");
    assertThat(ps.out()).containsPattern("(?m)^" + name + " +running +\\d+ +- +host rootfs \\(detached\\) +\\d+s$");
    assertThat(cli.run("ps", "-q").out()).isEqualTo(name + "\n");
    Cli.Result exec = cli.run("exec", name, "sh", "-c", "hostname; cat /proc/1/cmdline | tr '\\0' ' '; exit 4");
    assertThat(exec.code()).as(exec.toString()).isEqualTo(4);
    assertThat(exec.out()).startsWith(name + "\npoc-init").doesNotContain("/run/poc");
    Cli.Result inUse = cli.run("run", "--host-rootfs", "net-disabled", name, "true");
    assertThat(inUse.code()).isEqualTo(125);
    assertThat(inUse.err()).contains("poc stop " + name);
    long t0 = System.nanoTime();
    Cli.Result stop = cli.run("stop", name);
    assertThat(stop.code()).as(stop.toString()).isZero();
    assertThat((System.nanoTime() - t0) / 1_000_000).as("stop ms").isLessThan(5000);
    assertThat(cli.run("ps", "-q").out()).isEmpty();
    assertThat(cli.stateRoot().resolve("run").resolve(name)).doesNotExist();
  }

  @Test
  void limitsReachTheContainersCgroupAndStatsReadsItFromAnotherProcess() throws Exception {
    String name = Cli.name("lim");
    Cli.Result started = cli.run("run", "--detach", "--host-rootfs", "--memory", "64M", "--cpus", "0.5", "--pids", "50",
        "net-disabled", name, "sh", "-c", "x=$(head -c 3000000 /dev/zero | tr '\\0' a); exec sleep 1000");
    assertThat(started.code()).as(started.toString()).isZero();
    try {
      int pid = Integer.parseInt(cli.run("ps").out().lines().filter(l -> l.startsWith(name + " ")).findFirst()
          .orElseThrow().split(" +")[2]);
      assertThat(Files.readString(HostObjects.cgroupFile(pid, "memory", "memory.limit_in_bytes", "memory.max")).trim())
          .isEqualTo(String.valueOf(64L << 20));
      assertThat(Files.readString(HostObjects.cgroupFile(pid, "cpu", "cpu.cfs_quota_us", "cpu.max")).trim())
          .startsWith("50000");
      assertThat(Files.readString(HostObjects.cgroupFile(pid, "pids", "pids.max", "pids.max")).trim()).isEqualTo("50");
      Cli.Result stats = cli.run("stats", name);
      assertThat(stats.code()).as(stats.toString()).isZero();
      assertThat(stats.out()).startsWith("NAME                 MEMORY    PEAK      CPU       PIDS   THROTTLED          OOM KILLED\n");
      // sh held a 3 MB string before it became sleep: the peak shows it
      assertThat(stats.out()).containsPattern("(?m)^" + name + " +[\\d.]+[KM] +([3-9]|[1-6]\\d)\\.\\dM +[\\d.]+s +2 +\\d+x [\\d.]+s +no$");
    } finally {
      assertThat(cli.run("stop", name).code()).isZero();
    }
  }

  @Test
  void anOomKillSaysSoInOneLine() throws Exception {
    String name = Cli.name("oom");
    Cli.Result r = cli.run("run", "--host-rootfs", "--memory", "32M", "net-disabled", name, "tail", "/dev/zero");
    assertThat(r.code()).as(r.toString()).isEqualTo(137);
    assertThat(r.err()).as(r.toString()).isEqualTo("poc: container '" + name + "' was killed by the OOM killer (exit 137):"
        + " it needed more than its memory limit of 32M; give it more, e.g. --memory 64M\n");
    Cli.Result killed = cli.run("run", "--host-rootfs", "--memory", "32M", "net-disabled", name, "sh", "-c", "kill -KILL $$");
    assertThat(killed.code()).as(killed.toString()).isEqualTo(137);
    assertThat(killed.err()).as("a plain SIGKILL is no OOM kill").isEmpty();
  }

  @Test
  void stateRootComesFromTheOptionElseTheEnvironment() throws Exception {
    Path other = cli.tempDir("poc-cli-other-");
    String name = Cli.name("root");
    assertThat(cli.run("--state-root", other.toString(), "run", "--detach", "--host-rootfs", "net-disabled", name, "sleep", "100")
        .code()).isZero();
    try {
      assertThat(cli.run("ps", "-q").out()).doesNotContain(name); // $POC_STATE_ROOT is the test's own
      assertThat(cli.run("ps", "-q", "--state-root", other.toString()).out()).isEqualTo(name + "\n");
      assertThat(cli.run("prune").code()).isZero(); // of the test's own state root: a detached container elsewhere stays
      assertThat(cli.run("ps", "-q", "--state-root", other.toString()).out()).isEqualTo(name + "\n");
    } finally {
      Cli.Result stop = cli.run("stop", "--state-root", other.toString(), name);
      assertThat(stop.code()).as(stop.toString()).isZero();
    }
  }

  @Test
  void theLauncherRunsTheBuiltJar() throws Exception {
    Cli.Result r = cli.exec(List.of(Cli.launcher().toString(), "help"), null);
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("Usage: poc");
    assertThat(r.err()).doesNotContain("building"); // the jar is newer than the sources
  }

  @Test
  void versionNamesTheJvmAndTheStartupCacheItGot() throws Exception {
    Cli.Result plain = cli.run("--version");
    assertThat(plain.code()).as(plain.toString()).isZero();
    assertThat(plain.out()).contains("poc 0.1.0", "JVM: ", "start-up cache: none (started without ./poc)");
    Cli.Result launched = cli.exec(List.of(Cli.launcher().toString(), "--version"), null);
    assertThat(launched.code()).as(launched.toString()).isZero();
    assertThat(launched.out()).contains("JVM: ").containsPattern("start-up cache: (AOT cache|CDS archive|none)");
  }
}
