package dev.poc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poc.cgroup.CgroupSetup;
import dev.poc.spi.Attachment;
import dev.poc.spi.CgroupStrategy;
import dev.poc.spi.NamespaceStrategy;
import dev.poc.spi.RootfsStrategy;
import dev.poc.spi.StartContext;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Strategies given to {@link ContainerRuntime.Builder} are the ones a real start uses: prepare,
 * release and reclaim reach them in order and once each, also when a start fails half-way or the
 * JVM that started the container dies.
 */
class CustomStrategyTest {
  static Path busybox;
  static Path stateRoot;

  @BeforeAll
  static void fixtures() throws Exception {
    busybox = TestRootfs.busybox();
    stateRoot = TestRootfs.stateRoot();
  }

  @AfterAll
  static void pruneState() {
    // every test closes its runtime; nothing of theirs may be left in the run directory
    assertThat(stateRoot.resolve("run")).satisfiesAnyOf(
        p -> assertThat(p).doesNotExist(), p -> assertThat(p).isEmptyDirectory());
  }

  /**
   * The runtime's own cgroup strategy behind one that records what the runtime asks of it, so a
   * real start can be watched. {@code events} hears "prepare NAME", "created NAME", "exited NAME",
   * "release NAME" and "reclaim NAME".
   */
  static final class RecordingCgroups implements CgroupStrategy {
    private final CgroupStrategy real = new CgroupSetup();
    private final Consumer<String> events;

    RecordingCgroups(Consumer<String> events) {
      this.events = events;
    }

    @Override
    public Group prepare(StartContext ctx) throws IOException {
      String name = ctx.name();
      events.accept("prepare " + name);
      Group group = real.prepare(ctx);
      return new Group() {
        @Override
        public void onCreated(int initPid) throws IOException {
          events.accept("created " + name);
          group.onCreated(initPid);
        }

        @Override
        public ExitStatus onExited(ExitStatus status) {
          events.accept("exited " + name);
          return group.onExited(status);
        }

        @Override
        public ContainerStats stats() {
          return group.stats();
        }

        @Override
        public void close() {
          events.accept("release " + name);
          group.close();
        }
      };
    }

    @Override
    public ContainerStats stats(String name) {
      return real.stats(name);
    }

    @Override
    public void reclaim(String name, Path runDir) throws IOException {
      events.accept("reclaim " + name);
      real.reclaim(name, runDir);
    }
  }

  private static List<String> eventsOf(List<String> all, String name) {
    List<String> mine = new ArrayList<>();
    synchronized (all) {
      for (String e : all) {
        if (e.endsWith(" " + name)) {
          mine.add(e.substring(0, e.length() - name.length() - 1));
        }
      }
    }
    return mine;
  }

  @Test
  void aCustomCgroupStrategyIsPreparedThenReleasedOnceByARealStart() throws Exception {
    List<String> events = Collections.synchronizedList(new ArrayList<>());
    try (ContainerRuntime rt = ContainerRuntime.builder().stateRoot(stateRoot).cgroups(new RecordingCgroups(events::add)).build()) {
      String name = TestRootfs.uniqueName("cgs");
      try (Container c = rt.container().name(name).rootfs(Rootfs.directory(busybox)).pids(64)
          .command("sh", "-c", "read x || true").start()) {
        assertThat(eventsOf(events, name)).containsExactly("prepare", "created");
        assertThat(c.stats().pids()).as("pids of the running container, read through the strategy").isPositive();
        assertThat(rt.stats(name).pids()).isPositive();
        c.stdin().close();
        assertThat(c.waitFor()).isZero();
      }
      assertThat(eventsOf(events, name)).containsExactly("prepare", "created", "exited", "release");
    }
  }

  @Test
  void aStartThatFailsAfterTheCloneReleasesOnce() throws Exception {
    List<String> events = Collections.synchronizedList(new ArrayList<>());
    try (ContainerRuntime rt = ContainerRuntime.builder().stateRoot(stateRoot).cgroups(new RecordingCgroups(events::add)).build()) {
      String name = TestRootfs.uniqueName("cgf");
      assertThatThrownBy(() -> rt.container().name(name).rootfs(Rootfs.directory(busybox))
          .command("no-such-command").start()).isInstanceOf(CommandNotFoundException.class);
      assertThat(eventsOf(events, name)).containsExactly("prepare", "created", "release");
    }
  }

  @Test
  void aStartThatFailsBeforeTheCloneReleasesOnce() throws Exception {
    List<String> events = Collections.synchronizedList(new ArrayList<>());
    try (ContainerRuntime rt = ContainerRuntime.builder().stateRoot(stateRoot).cgroups(new RecordingCgroups(events::add)).build()) {
      String name = TestRootfs.uniqueName("cgb");
      Path missing = stateRoot.resolve("no-such-rootfs");
      // the rootfs prepares after the cgroups, and fails
      assertThatThrownBy(() -> rt.container().name(name).rootfs(Rootfs.directory(missing)).command("true").start())
          .isInstanceOf(InvalidSpecException.class).hasMessageContaining("does not exist");
      assertThat(eventsOf(events, name)).containsExactly("prepare", "release");
    }
  }

  @Test
  void aCrashedJvmsContainerIsReclaimedOnceByTheNextRuntime() throws Exception {
    String name = TestRootfs.uniqueName("cgr");
    Process jvm = ChildJvm.start(Child.class, stateRoot.toString(), name, busybox.toString());
    List<String> childEvents = new ArrayList<>();
    BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream()));
    int initPid = 0;
    try {
      for (String line; (line = out.readLine()) != null; ) {
        if (line.startsWith("PID ")) {
          initPid = Integer.parseInt(line.substring(4));
          break;
        }
        childEvents.add(line);
      }
    } finally {
      jvm.destroyForcibly(); // SIGKILL: nothing of it releases
      jvm.waitFor();
    }
    assertThat(initPid).as("the child JVM started its container").isPositive();
    assertThat(eventsOf(childEvents, name)).containsExactly("prepare", "created");
    for (int i = 0; i < 500 && ProcessHandle.of(initPid).isPresent(); i++) {
      Thread.sleep(10); // its helper kills it once the JVM is gone
    }
    assertThat(stateRoot.resolve("run").resolve(name)).exists();

    List<String> events = Collections.synchronizedList(new ArrayList<>());
    try (ContainerRuntime rt = ContainerRuntime.builder().stateRoot(stateRoot).cgroups(new RecordingCgroups(events::add)).build()) {
      assertThat(eventsOf(events, name)).containsExactly("reclaim");
      assertThat(stateRoot.resolve("run").resolve(name)).doesNotExist();
    }
    try (ContainerRuntime again = ContainerRuntime.builder().stateRoot(stateRoot).cgroups(new RecordingCgroups(events::add)).build()) {
      assertThat(eventsOf(events, name)).as("a second runtime finds nothing left to reclaim").containsExactly("reclaim");
    }
  }

  /** Starts a container with a recording cgroup strategy that prints its events; waits to be killed. */
  public static final class Child {
    private Child() {}

    public static void main(String[] args) throws Exception {
      ContainerRuntime rt = ContainerRuntime.builder().stateRoot(Path.of(args[0]))
          .cgroups(new RecordingCgroups(e -> {
            System.out.println(e);
            System.out.flush();
          })).build();
      Container c = rt.container().name(args[1]).rootfs(Rootfs.directory(Path.of(args[2]))).command("sleep", "1000")
          .stdin(Stdio.DISCARD).stdout(Stdio.DISCARD).stderr(Stdio.DISCARD).start();
      System.out.println("PID " + c.pid());
      System.out.flush();
      Thread.sleep(Long.MAX_VALUE);
    }
  }

  @Test
  void aNamespaceStrategyJoinsAnotherContainersNetworkNamespace() throws Exception {
    List<Container> started = new ArrayList<>();
    NamespaceStrategy joinFirst = (kind, ctx) -> {
      if (kind == Namespace.NET && ctx.name().startsWith("nsj2") && !started.isEmpty()) {
        return NamespaceStrategy.Choice.join(Path.of("/proc", Integer.toString(started.get(0).pid()), "ns", "net"));
      }
      return ctx.spec().namespaces().contains(kind) ? NamespaceStrategy.Choice.fresh() : NamespaceStrategy.Choice.host();
    };
    try (ContainerRuntime rt = ContainerRuntime.builder().stateRoot(stateRoot).namespaces(joinFirst).build()) {
      try (Container first = rt.container().name(TestRootfs.uniqueName("nsj1")).rootfs(Rootfs.directory(busybox))
          .command("sh", "-c", "read x || true").start()) {
        started.add(first);
        String firstNet = Files.readSymbolicLink(Path.of("/proc", Integer.toString(first.pid()), "ns", "net")).toString();
        String hostNet = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
        Run second = Run.of(rt.container().name(TestRootfs.uniqueName("nsj2")).rootfs(Rootfs.directory(busybox))
            .command("readlink", "/proc/self/ns/net"));
        assertThat(second.code()).as(second.err).isZero();
        assertThat(second.out.trim()).isEqualTo(firstNet).isNotEqualTo(hostNet);
        Run third = Run.of(rt.container().name(TestRootfs.uniqueName("nsj3")).rootfs(Rootfs.directory(busybox))
            .command("readlink", "/proc/self/ns/net"));
        assertThat(third.out.trim()).as("a container the strategy does not join gets its own").isNotEqualTo(firstNet)
            .isNotEqualTo(hostNet);
        first.stdin().close();
        assertThat(first.waitFor()).isZero();
      }
    }
  }

  @Test
  void aCustomRootfsStrategyBuildsTheRootAndIsReleasedOnce() throws Exception {
    List<String> events = Collections.synchronizedList(new ArrayList<>());
    Path page = Files.writeString(stateRoot.resolve("custom-rootfs-page.txt"), "from the custom rootfs\n");
    RootfsStrategy busyboxWithPage = new RootfsStrategy() {
      @Override
      public Attachment prepare(StartContext ctx) {
        events.add("prepare " + ctx.name());
        ctx.plan().rootBind(busybox, busybox, "nodev").bind(page, "/tmp/page.txt", "ro");
        return () -> events.add("release " + ctx.name());
      }

      @Override
      public String toString() {
        return "busybox with a page";
      }
    };
    try (ContainerRuntime rt = ContainerRuntime.builder().stateRoot(stateRoot).build()) {
      String name = TestRootfs.uniqueName("rfs");
      Run r = Run.of(rt.container().name(name).rootfs(Rootfs.custom(busyboxWithPage)).command("cat", "/tmp/page.txt"));
      assertThat(r.code()).as(r.err).isZero();
      assertThat(r.out).isEqualTo("from the custom rootfs\n");
      assertThat(eventsOf(events, name)).containsExactly("prepare", "release");
      assertThat(Rootfs.custom(busyboxWithPage)).hasToString("busybox with a page");
    }
  }

  @Test
  void aSpecNamingAnUnregisteredNetworkIsRefused() throws Exception {
    try (ContainerRuntime rt = ContainerRuntime.builder().stateRoot(stateRoot).build()) {
      String name = TestRootfs.uniqueName("nonet");
      assertThatThrownBy(() -> rt.container().name(name).rootfs(Rootfs.directory(busybox))
          .network(Network.custom("nowhere")).command("true").start())
          .isInstanceOf(InvalidSpecException.class).hasMessageContaining("'nowhere'")
          .hasMessageContaining("ContainerRuntime.builder().network(strategy)");
      assertThat(stateRoot.resolve("run").resolve(name)).doesNotExist();
    }
  }
}
