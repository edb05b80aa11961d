package dev.poc;

import dev.poc.cgroup.CgroupFs;
import dev.poc.cgroup.CgroupLayout;
import dev.poc.cgroup.CgroupSetup;
import dev.poc.cgroup.Cgroups;
import dev.poc.host.Posix;
import dev.poc.state.RunState;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Containers in their cgroups, end to end on this kernel. */
class CgroupTest {
  /** Every container of this class carries this prefix, so leftovers are found and no one else's. */
  private static final String PREFIX = TestRootfs.uniqueName("cgt");
  private static final Cgroups HOST = Cgroups.detect();
  private static Path busybox;
  private ContainerRuntime runtime;
  private Path stateRoot;

  @BeforeAll
  static void rootfs() throws Exception {
    busybox = TestRootfs.busybox();
    System.out.println("cgroup drivers: " + HOST.describe());
  }

  @BeforeEach
  void open() throws Exception {
    stateRoot = TestRootfs.stateRoot();
    runtime = ContainerRuntime.open(stateRoot);
  }

  @AfterEach
  void close() {
    runtime.close();
  }

  @AfterAll
  static void noGroupLeft() throws Exception {
    assertThat(ours()).as("groups of this class left behind").isEmpty();
  }

  private static Set<String> ours() throws Exception {
    Set<String> left = new TreeSet<>();
    for (String g : HOST.groups()) {
      if (g.startsWith(PREFIX)) {
        left.add(g);
      }
    }
    return left;
  }

  private static String name(String what) {
    return PREFIX + "-" + what;
  }

  private ContainerSpec.Builder busybox(String name, String script) {
    return runtime.container().name(name).rootfs(Rootfs.directory(busybox)).command("sh", "-c", script);
  }

  private static void assertGone(String name) {
    for (Path dir : HOST.dirs(name)) {
      assertThat(dir).as("cgroup directory of " + name).doesNotExist();
    }
  }

  private static String read(java.io.InputStream in) throws Exception {
    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
  }

  @Test
  void commandIsBornInItsGroupInEveryHierarchy() throws Exception {
    String name = name("born");
    // the command itself reads the file: nothing ran before it in another group
    try (Container c = runtime.container().name(name).rootfs(Rootfs.directory(busybox))
        .command("cat", "/proc/self/cgroup").start()) {
      String inside = read(c.stdout());
      assertThat(c.waitFor()).isZero();
      System.out.println("/proc/self/cgroup of the command:\n" + inside);
      Map<String, String> byController = CgroupLines.parse(inside);
      for (String controller : HOST.controllers()) {
        assertThat(byController).as("hierarchy of " + controller).containsEntry(controller, "/poc/" + name);
      }
      if (CgroupLayout.detect().unified().isPresent()) {
        assertThat(byController).as("unified hierarchy").containsEntry("", "/poc/" + name);
      }
    }
    assertGone(name);
  }

  @Test
  void aContainerWithoutAPidsLimitGetsTheDefaultOneUnlessItIsLifted() throws Exception {
    String name = name("dflt");
    try (Container c = busybox(name, "sleep 100").start()) {
      assertThat(pidsFile(name, "pids.max", null)).isEqualTo(Resources.DEFAULT_PIDS);
    }
    String free = name("nolim");
    try (Container c = busybox(free, "sleep 100").unlimitedPids().start()) {
      for (Path dir : HOST.dirs(free)) {
        if (Files.exists(dir.resolve("pids.max"))) {
          assertThat(Files.readString(dir.resolve("pids.max")).trim()).isEqualTo("max");
        }
      }
    }
  }

  @Test
  void initIsInTheGroupBeforeTheCommandRuns() throws Exception {
    String name = name("init");
    try (Container c = busybox(name, "sleep 100").start()) {
      String initGroups = Files.readString(Path.of("/proc/" + c.pid() + "/cgroup"));
      for (String path : CgroupLines.parse(initGroups).entrySet().stream()
          .filter(e -> HOST.controllers().contains(e.getKey()) || e.getKey().isEmpty())
          .map(Map.Entry::getValue).toList()) {
        assertThat(path).isEqualTo("/poc/" + name);
      }
      for (Path dir : HOST.dirs(name)) {
        assertThat(Files.readString(dir.resolve("cgroup.procs"))).contains(Integer.toString(c.pid()));
      }
    }
    assertGone(name);
  }

  @Test
  void memoryHogIsOomKilledAndReportedSo() throws Exception {
    String name = name("oom");
    try (Container c = busybox(name, "x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo survived")
        .memory("32M").start()) {
      String out = read(c.stdout());
      c.waitFor();
      ExitStatus status = c.exitStatus();
      ContainerStats stats = c.stats();
      System.out.println("oom: " + status + ", stats " + stats);
      assertThat(out).doesNotContain("survived");
      assertThat(status.code()).isEqualTo(137);
      assertThat(status.reason()).isEqualTo(ExitStatus.Reason.OOM_KILLED);
      assertThat(stats.oomKilled()).isTrue();
      assertThat(stats.memoryPeakBytes()).isGreaterThan(16L << 20).isLessThanOrEqualTo(32L << 20);
    }
    assertGone(name);
    // the host is fine: the next container starts and runs normally
    try (Container c = busybox(name("after-oom"), "echo fine").start()) {
      assertThat(read(c.stdout())).isEqualTo("fine\n");
      assertThat(c.waitFor()).isZero();
    }
  }

  @Test
  void plainKillIsNotReportedAsOom() throws Exception {
    String name = name("kill9");
    try (Container c = busybox(name, "sleep 1000").memory("64M").start()) {
      int command = commandPid(c);
      assertThat(Posix.kill(command, 9)).isTrue();
      c.waitFor();
      assertThat(c.exitStatus().code()).isEqualTo(137);
      assertThat(c.exitStatus().reason()).isEqualTo(ExitStatus.Reason.SIGNALED);
      assertThat(c.stats().oomKilled()).isFalse();
    }
    assertGone(name);
  }

  @Test
  void forkBombIsContainedAndStopsCleanly() throws Exception {
    String name = name("bomb");
    ContainerSpec.Builder spec = busybox(name, "(f() { f | f & }; f); exec sleep 1000")
        .pids(20).cpus(0.5).stderr(Stdio.DISCARD).stdout(Stdio.DISCARD);
    try (Container c = spec.start()) {
      long most = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < deadline && pidsFile(name, "pids.events", "max") == 0) {
        most = Math.max(most, c.stats().pids());
        Thread.sleep(5);
      }
      long refused = pidsFile(name, "pids.events", "max");
      long peak = pidsFile(name, "pids.peak", null);
      System.out.println("fork bomb: forks refused " + refused + ", kernel's peak " + peak + ", most sampled " + most);
      assertThat(refused).as("forks the pids controller refused").isPositive();
      assertThat(most).isLessThanOrEqualTo(20);
      if (peak >= 0) {
        assertThat(peak).as("pids.peak: the limit was reached and never passed").isEqualTo(20);
      }
      assertThat(c.isRunning()).as("the container outlives its fork bomb").isTrue();
      long t0 = System.nanoTime();
      c.stop(Duration.ofSeconds(5));
      System.out.println("fork bomb: stop took " + (System.nanoTime() - t0) / 1_000_000 + " ms, " + c.exitStatus());
      assertThat(c.isRunning()).isFalse();
    }
    assertGone(name);
  }

  /**
   * A figure of the pids controller: a key of a keyed file (pids.events "max": forks refused), or
   * a single-number file (pids.peak, Linux 6.x) when {@code key} is null; -1 when there is none.
   */
  private static long pidsFile(String name, String file, String key) throws Exception {
    for (Path dir : HOST.dirs(name)) {
      Path f = dir.resolve(file);
      if (Files.exists(f)) {
        return key == null ? CgroupFs.readLong(f) : CgroupFs.readKeyed(f).getOrDefault(key, 0L);
      }
    }
    return -1;
  }

  @Test
  void busyLoopIsThrottledToHalfACore() throws Exception {
    String name = name("cpu");
    // the highest weight: on a machine others load, the loop still gets all its quota allows, so
    // the quota (not the neighbours) is what holds it back
    try (Container c = busybox(name, "while :; do :; done").cpus(0.5).cpuShares(262_144).start()) {
      Thread.sleep(300); // let it reach its steady state
      ContainerStats before = c.stats();
      long wall0 = System.nanoTime();
      Thread.sleep(2000);
      ContainerStats after = c.stats();
      long wall = System.nanoTime() - wall0;
      double ratio = (double) after.cpuTime().minus(before.cpuTime()).toNanos() / wall;
      System.out.printf("cpus 0.5: %.3f of a core over %d ms, throttled periods %d -> %d, throttled %d ms%n", ratio,
          wall / 1_000_000, before.throttledPeriods(), after.throttledPeriods(), after.throttledTime().toMillis());
      assertThat(after.throttledPeriods()).isGreaterThan(before.throttledPeriods());
      assertThat(after.throttledTime()).isGreaterThan(before.throttledTime());
      assertThat(ratio).isLessThan(0.75);
    }
    assertGone(name);
  }

  @Test
  void statsArePlausible() throws Exception {
    String name = name("stats");
    try (Container c = busybox(name, "x=$(head -c 3000000 /dev/zero | tr '\\0' a); echo ready; sleep 1000; echo $x")
        .memory("64M").start()) {
      BufferedReader out = new BufferedReader(new InputStreamReader(c.stdout(), StandardCharsets.UTF_8));
      assertThat(out.readLine()).isEqualTo("ready");
      ContainerStats s = c.stats();
      System.out.println("running: " + s);
      // sh holds the 3 MB string; its read buffer made the peak higher still
      assertThat(s.memoryBytes()).isGreaterThan(3_000_000L).isLessThanOrEqualTo(64L << 20);
      assertThat(s.memoryPeakBytes()).isGreaterThanOrEqualTo(s.memoryBytes());
      assertThat(s.cpuTime()).isPositive();
      assertThat(s.pids()).isBetween(2L, 4L); // init, sh, sleep
      assertThat(s.oomKilled()).isFalse();
      c.stop(Duration.ofSeconds(5));
      ContainerStats last = c.stats();
      System.out.println("ended: " + last);
      assertThat(last.memoryPeakBytes()).isGreaterThanOrEqualTo(s.memoryPeakBytes());
      assertThat(last.cpuTime()).isGreaterThanOrEqualTo(s.cpuTime());
      assertThat(last.pids()).isZero();
    }
    assertGone(name);
  }

  @Test
  void smallestMemoryLimitStillRunsACommand() throws Exception {
    String name = name("min");
    try (Container c = busybox(name, "echo ok").memory("4M").start()) {
      assertThat(read(c.stdout())).isEqualTo("ok\n");
      assertThat(c.waitFor()).isZero();
      System.out.println("4M: " + c.stats());
    }
    assertGone(name);
  }

  /**
   * waitFor() returns before the group (and the netns name) is removed, in the background: the
   * figures are final by then, a new start of the name right after gets groups of its own, and
   * the runtime's close leaves nothing of a container that was waited for but never closed.
   */
  @Test
  void aNameStartsAgainRightAfterWaitForAndTheRuntimesCloseFinishesTheRelease() throws Exception {
    String name = name("again");
    Path netnsName = dev.poc.namespace.NetnsNames.DIR.resolve(dev.poc.namespace.NetnsNames.of(name));
    try (ContainerRuntime rt = ContainerRuntime.open(stateRoot)) {
      Container first = rt.container().name(name).rootfs(Rootfs.directory(busybox)).command("sh", "-c", "exit 3").start();
      assertThat(first.waitFor()).isEqualTo(3);
      ContainerStats last = first.stats();
      assertThat(last.cpuTime()).as("final figures, read before the release").isPositive();
      assertThat(last.pids()).isZero();
      try (Container second = rt.container().name(name).rootfs(Rootfs.directory(busybox))
          .command("sh", "-c", "echo ready; exec sleep 1000").start()) {
        BufferedReader out = new BufferedReader(new InputStreamReader(second.stdout(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).isEqualTo("ready");
        for (Path dir : HOST.dirs(name)) {
          assertThat(Files.readString(dir.resolve("cgroup.procs"))).as(dir.toString()).contains(Integer.toString(second.pid()));
        }
        assertThat(netnsName).as("the second run's netns name").exists();
        assertThat(second.stats().pids()).isPositive();
      }
      assertGone(name);
      assertThat(netnsName).doesNotExist();
      first.close();
      Container third = rt.container().name(name).rootfs(Rootfs.directory(busybox)).command("true").start();
      assertThat(third.waitFor()).isZero(); // never closed: the runtime's close finishes its release
    }
    assertGone(name);
    assertThat(netnsName).doesNotExist();
    assertThat(stateRoot.resolve("run").resolve(name)).doesNotExist();
    Path gone = stateRoot.resolve(dev.poc.state.RunDirDisposal.GONE);
    if (Files.isDirectory(gone)) {
      try (var left = Files.list(gone)) {
        assertThat(left.map(p -> p.getFileName().toString())).as("set aside, not deleted").noneMatch(f -> f.startsWith(name + "."));
      }
    }
  }

  @Test
  void aReleaseAJvmDiedBeforeDoingIsDoneByTheNextRuntime() throws Exception {
    String name = name("halt");
    Path blockerRoot = Files.createTempDirectory("poc-cgt-blocker");
    Path netnsName = dev.poc.namespace.NetnsNames.DIR.resolve(dev.poc.namespace.NetnsNames.of(name));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        CgroupChildJvm.class.getName(), stateRoot.toString(), name, busybox.toString(), "halt-after-exit=" + blockerRoot)
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      assertThat(out.readLine()).isEqualTo("ENDED 0");
      assertThat(child.waitFor()).isEqualTo(9);
      // what waitFor left to the background, which never got to it
      assertThat(HOST.dirs(name)).as("groups of the dead JVM's container").isNotEmpty().allMatch(Files::isDirectory);
      assertThat(netnsName).exists();
      assertThat(stateRoot.resolve("run").resolve(name)).doesNotExist();
      try (ContainerRuntime next = ContainerRuntime.open(stateRoot)) {
        assertGone(name);
        assertThat(netnsName).doesNotExist();
        try (var left = Files.list(stateRoot.resolve(dev.poc.state.RunDirDisposal.GONE))) {
          assertThat(left.map(p -> p.getFileName().toString())).noneMatch(f -> f.startsWith(name + "."));
        }
        assertThat(dev.poc.state.NameLock.file(name)).doesNotExist();
      }
    } finally {
      child.destroyForcibly();
      dev.poc.launch.Release.deleteTree(blockerRoot);
    }
  }

  @Test
  void failedStartLeavesNoGroup() throws Exception {
    String name = name("fail");
    assertThatThrownBy(() -> busybox(name, "").command("no-such-command").start())
        .isInstanceOf(CommandNotFoundException.class);
    assertGone(name);
  }

  /**
   * poc's own group is finished (its v1 part made, every limit written) while the helper clones
   * the init: a failure there still fails the start with the error it always gave, the init dies
   * (the group it was born in is removed, which an occupied group would refuse) and the name is free.
   */
  @Test
  void groupFailingWhileTheInitStartsFailsTheStartAndLeavesNothing() throws Exception {
    String name = name("latefail");
    Cgroups refusing = new RefusingLimits(HOST);
    try (ContainerRuntime r = ContainerRuntime.builder().stateRoot(stateRoot).cgroups(new CgroupSetup(() -> refusing))
        .build()) {
      assertThatThrownBy(() -> r.container().name(name).rootfs(Rootfs.directory(busybox)).command("true").start())
          .isInstanceOf(StartFailedException.class)
          .hasMessageContaining("container '" + name + "' failed at writing its cgroup limits")
          .hasMessageContaining("refused by the test");
    }
    assertGone(name);
    try (Container c = busybox(name, "echo again").start()) {
      assertThat(read(c.stdout())).isEqualTo("again\n");
      assertThat(c.waitFor()).isZero();
    }
    assertGone(name);
  }

  @Test
  void killOfTheCommandLeavesNoGroup() throws Exception {
    String name = name("cmdkill");
    try (Container c = busybox(name, "sleep 1000").start()) {
      assertThat(HOST.dirs(name).get(0)).exists();
      Posix.kill(commandPid(c), 9);
      assertThat(c.waitFor(Duration.ofSeconds(10))).isTrue();
    }
    assertGone(name); // after close: waitFor leaves the group's removal to the background
  }

  @Test
  void staleGroupOfTheSameNameIsEmptiedAndReplaced() throws Exception {
    String name = name("stale");
    HOST.create(name);
    Process squatter = new ProcessBuilder("sleep", "1000").start();
    try {
      HOST.place(name, (int) squatter.pid());
      try (Container c = busybox(name, "echo hi").start()) {
        assertThat(squatter.waitFor(10, TimeUnit.SECONDS)).as("the stale group's process was killed").isTrue();
        assertThat(read(c.stdout())).isEqualTo("hi\n");
        assertThat(c.waitFor()).isZero();
      }
    } finally {
      squatter.destroyForcibly();
      HOST.remove(name);
    }
    assertGone(name);
  }

  @Test
  void pruneRemovesUnownedGroupsAndKeepsRunningOnes() throws Exception {
    String orphan = name("orphan");
    String live = name("live");
    String ended = name("ended");
    HOST.create(orphan);
    Process squatter = new ProcessBuilder("sleep", "1000").start();
    Container waitedFor = busybox(ended, "true").start();
    assertThat(waitedFor.waitFor()).isZero(); // its group's removal may be under way, in this JVM
    try (Container c = busybox(live, "sleep 1000").start()) {
      HOST.place(orphan, (int) squatter.pid());
      new CgroupSetup().prune();
      assertGone(orphan);
      assertGone(ended);
      assertThat(squatter.waitFor(10, TimeUnit.SECONDS)).as("the orphan's process was killed").isTrue();
      assertThat(HOST.dirs(live)).allMatch(Files::isDirectory);
      assertThat(c.isRunning()).isTrue();
    } finally {
      squatter.destroyForcibly();
      HOST.remove(orphan);
      waitedFor.close();
    }
    assertGone(live);
  }

  @Test
  void devicesOutsideTheAllowListCannotBeMade() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(HOST.controllers().contains("devices"), "no v1 devices controller");
    String name = name("dev");
    try (Container c = busybox(name, "echo x > /dev/null && head -c 4 /dev/urandom | wc -c; mknod /tmp/disk b 8 0").start()) {
      String out = read(c.stdout());
      String err = read(c.stderr());
      System.out.println("devices: " + out + err);
      assertThat(out.trim()).isEqualTo("4");
      assertThat(err).contains("mknod");
      assertThat(c.waitFor()).isNotZero();
    }
    assertGone(name);
  }

  @Test
  void groupOfAKilledJvmIsReclaimedByTheNextRuntime() throws Exception {
    String name = name("jvm");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        CgroupChildJvm.class.getName(), stateRoot.toString(), name, busybox.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    int initPid;
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      assertThat(line).startsWith("STARTED ");
      initPid = Integer.parseInt(line.substring(8).trim());
      assertThat(HOST.dirs(name).get(0)).exists();
    } finally {
      child.destroyForcibly(); // SIGKILL: no shutdown hook, no release
      child.waitFor();
    }
    Path runDir = stateRoot.resolve("run").resolve(name);
    assertThat(runDir).as("run dir the dead JVM left").exists();
    // its helper kills the init when the JVM's socket closes, then exits itself
    awaitGone(initPid);
    awaitGone(((Number) RunState.read(runDir).orElseThrow().get("helperPid")).intValue());
    try (ContainerRuntime next = ContainerRuntime.open(stateRoot)) {
      assertGone(name);
      assertThat(stateRoot.resolve("run").resolve(name)).doesNotExist();
    }
  }

  @Test
  void aDetachedContainerWhoseJvmIsGoneKeepsItsGroupAndName() throws Exception {
    String name = name("det");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        CgroupChildJvm.class.getName(), stateRoot.toString(), name, busybox.toString(), "detached")
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String line = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8)).readLine();
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("the starting JVM exits").isTrue();
    assertThat(line).startsWith("STARTED ");
    int initPid = Integer.parseInt(line.substring(8).trim());
    long initStart = RunState.startTime(initPid);
    try {
      try (ContainerRuntime owner = ContainerRuntime.open(stateRoot)) {
        // the name lock went with the JVM; the helper runs on and owns the group
        new CgroupSetup().prune();
        assertThat(Posix.isAlive(initPid)).as("prune of any state root leaves a detached container alone").isTrue();
        assertThat(HOST.dirs(name)).allMatch(Files::isDirectory);
        try (ContainerRuntime elsewhere = ContainerRuntime.open(TestRootfs.stateRoot())) {
          assertThatThrownBy(() -> elsewhere.container().name(name).rootfs(Rootfs.directory(busybox)).command("true").start())
              .isInstanceOf(NameInUseException.class).hasMessageContaining("already runs detached");
        }
        assertThat(Posix.isAlive(initPid)).isTrue();
        owner.stop(name, Duration.ofSeconds(5));
      }
      awaitGone(initPid);
      assertGone(name);
    } finally {
      // A failed assertion above must not leave the detached container, or its netns name, behind.
      if (RunState.startTime(initPid) == initStart) { // still that init, not a reused pid
        Posix.kill(initPid, 9);
        awaitGone(initPid);
      }
      ContainerRuntime.open(stateRoot).close(); // reclaims its run dir, group and netns name
    }
  }

  private static void awaitGone(int pid) throws InterruptedException {
    for (int i = 0; i < 100 && Posix.isAlive(pid); i++) {
      Thread.sleep(50);
    }
    assertThat(Posix.isAlive(pid)).as("process " + pid + " died with its JVM").isFalse();
  }

  /** The command's host pid: the only child of the container's init. */
  private static int commandPid(Container c) throws Exception {
    Path children = Path.of("/proc", Integer.toString(c.pid()), "task", Integer.toString(c.pid()), "children");
    for (int i = 0; i < 100; i++) {
      String s = Files.readString(children).trim();
      if (!s.isEmpty()) {
        return Integer.parseInt(s.split(" ")[0]);
      }
      Thread.sleep(10);
    }
    throw new AssertionError("init " + c.pid() + " has no child");
  }

  /** This host's drivers, whose limits are refused: everything else is theirs. */
  private static final class RefusingLimits implements Cgroups {
    private final Cgroups host;

    RefusingLimits(Cgroups host) {
      this.host = host;
    }

    @Override
    public void limit(String name, Resources limits, dev.poc.cgroup.GroupTuning tuning) throws java.io.IOException {
      throw new java.io.IOException("writing the limits was refused by the test");
    }

    @Override
    public java.util.List<Cgroups> parts() {
      return host.parts();
    }

    @Override
    public Cgroups under(String parent) {
      return host.under(parent);
    }

    @Override
    public String parent() {
      return host.parent();
    }

    @Override
    public String describe() {
      return host.describe();
    }

    @Override
    public Set<String> controllers() {
      return host.controllers();
    }

    @Override
    public java.util.List<Path> dirs(String name) {
      return host.dirs(name);
    }

    @Override
    public void create(String name) throws java.io.IOException {
      host.create(name);
    }

    @Override
    public void planEntry(String name, dev.poc.spi.HelperPlan plan) {
      host.planEntry(name, plan);
    }

    @Override
    public void place(String name, int pid) throws java.io.IOException {
      host.place(name, pid);
    }

    @Override
    public void readStats(String name, ContainerStats.Builder into) throws java.io.IOException {
      host.readStats(name, into);
    }

    @Override
    public boolean remove(String name) {
      return host.remove(name);
    }

    @Override
    public java.util.List<dev.poc.cgroup.GroupDirs> removalOrder(String name) {
      return host.removalOrder(name);
    }

    @Override
    public void removeParentIfEmpty() {
      host.removeParentIfEmpty();
    }

    @Override
    public Set<String> groups() throws java.io.IOException {
      return host.groups();
    }
  }

  /** /proc/PID/cgroup lines, by controller ("" for the unified hierarchy). */
  static final class CgroupLines {
    static Map<String, String> parse(String text) {
      Map<String, String> m = new java.util.HashMap<>();
      for (String line : text.split("\n")) {
        String[] f = line.split(":", 3);
        if (f.length == 3) {
          for (String c : f[1].split(",")) {
            m.put(c, f[2]);
          }
        }
      }
      return m;
    }
  }
}
