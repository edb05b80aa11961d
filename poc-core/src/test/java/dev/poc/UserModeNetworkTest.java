package dev.poc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poc.network.usermode.UserModeNetwork;
import dev.poc.state.RunState;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The user-mode network (slirp4netns per container), run as root on ordinary containers: the
 * interface, address and route it configures, ports published on the host's loopback, the host's
 * own loopback out of reach unless asked for, and nothing of the helper left after the container.
 * Only loopback and the containers' own namespaces are ever contacted.
 */
class UserModeNetworkTest {
  static Path busybox;
  static Path stateRoot;

  @BeforeAll
  static void fixtures() throws Exception {
    busybox = TestRootfs.busybox();
    stateRoot = TestRootfs.stateRoot();
  }

  @AfterAll
  static void nothingLeftInTheRunDirectory() {
    assertThat(stateRoot.resolve("run")).satisfiesAnyOf(
        p -> assertThat(p).doesNotExist(), p -> assertThat(p).isEmptyDirectory());
  }

  private static ContainerRuntime runtime(UserModeNetwork net) {
    return ContainerRuntime.builder().stateRoot(stateRoot).network(net).build();
  }

  private static ContainerSpec.Builder container(ContainerRuntime rt, String name, UserModeNetwork net) {
    return rt.container().name(name).rootfs(Rootfs.directory(busybox)).network(Network.custom(net.name()));
  }

  @Test
  void theContainerGetsTheInterfaceAnAddressAndADefaultRoute() throws Exception {
    UserModeNetwork net = UserModeNetwork.builder().build();
    try (ContainerRuntime rt = runtime(net)) {
      String name = TestRootfs.uniqueName("um-if");
      Run r = Run.of(container(rt, name, net).command("sh", "-c", "ip -o -4 addr show dev tap0; ip route; cat /proc/net/dev"));
      assertThat(r.code()).as(r.toString()).isZero();
      assertThat(r.out).contains("inet " + UserModeNetwork.ADDRESS + "/24").contains("default via " + UserModeNetwork.GATEWAY + " dev tap0");
    }
  }

  @Test
  void aPublishedPortReachesTheServerInsideAndTheHelperIsGoneAfterStop() throws Exception {
    UserModeNetwork net = UserModeNetwork.builder().build();
    try (ContainerRuntime rt = runtime(net)) {
      String name = TestRootfs.uniqueName("um-port");
      int fixed = freePort();
      Path runDir = stateRoot.resolve("run").resolve(name);
      try (Container c = container(rt, name, net).publish(0, 8080).publish(fixed, 8081)
          .command("sh", "-c", "httpd -p 8081 -h /etc; exec httpd -f -p 8080 -h /etc").start()) {
        assertThat(c.address()).contains(UserModeNetwork.ADDRESS);
        int any = c.hostPort(8080);
        assertThat(any).isPositive().isNotEqualTo(fixed);
        assertThat(c.hostPort(8081)).isEqualTo(fixed);
        assertThat(httpGet(any, "/hostname")).as("a free host port").contains(name);
        assertThat(httpGet(fixed, "/hostname")).as("a chosen host port").contains(name);

        int helper = Integer.parseInt(Files.readString(runDir.resolve("slirp4netns.pid")).trim());
        int watcher = Integer.parseInt(Files.readString(runDir.resolve("slirp4netns.watcher")).trim());
        assertThat(ProcessHandle.of(helper).flatMap(p -> p.info().command())).hasValueSatisfying(
            cmd -> assertThat(cmd).endsWith("slirp4netns"));
        long helperStarted = RunState.startTime(helper);
        long watcherStarted = RunState.startTime(watcher);
        assertThat(helperStarted).isPositive();
        assertThat(watcherStarted).isPositive();
        Path socket = runDir.resolve("slirp4netns.sock");
        assertThat(socket).exists();

        c.stop(Duration.ofSeconds(2));
        c.close();
        // gone, or a zombie its new parent (pid 1 here) has yet to reap: either way it runs no more
        assertThat(RunState.startTime(helper)).as("slirp4netns %d after stop", helper).isNotEqualTo(helperStarted);
        assertThat(RunState.startTime(watcher)).as("its watcher %d after stop", watcher).isNotEqualTo(watcherStarted);
        assertThat(socket).doesNotExist();
        assertThat(runDir.resolve("slirp4netns.pid")).doesNotExist();
        assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), any).close()).isInstanceOf(ConnectException.class);
        try (ServerSocket again = new ServerSocket(fixed, 1, InetAddress.getLoopbackAddress())) {
          assertThat(again.getLocalPort()).isEqualTo(fixed); // released with the container
        }
        c.close(); // a second release finds nothing to do
      }
      assertThat(runDir).doesNotExist();
    }
  }

  @Test
  void aRunDirectoryTooLongForASocketAddressGetsItsSocketElsewhereAndBackAgain() throws Exception {
    UserModeNetwork net = UserModeNetwork.builder().build();
    try (ContainerRuntime rt = runtime(net)) {
      String name = TestRootfs.uniqueName("um-long") + "-" + "n".repeat(47); // 64, poc's longest name
      Path runDir = stateRoot.resolve("run").resolve(name);
      assertThat(runDir.resolve("slirp4netns.sock").toString().length()).as("past what a socket address holds").isGreaterThan(107);
      Path socketDir;
      try (Container c = container(rt, name, net).publish(0, 8080)
          .command("httpd", "-f", "-p", "8080", "-h", "/etc").start()) {
        socketDir = Path.of(Files.readString(runDir.resolve("slirp4netns.sockdir")).trim());
        assertThat(socketDir.resolve("slirp4netns.sock")).exists();
        assertThat(httpGet(c.hostPort(8080), "/hostname")).contains("um-long");
      }
      assertThat(socketDir).as("the socket's directory after release").doesNotExist();
    }
  }

  @Test
  void theHostsLoopbackIsOutOfReachUnlessAskedFor() throws Exception {
    try (HostLoopbackServer server = new HostLoopbackServer()) {
      String probe = "nc -w 3 " + UserModeNetwork.GATEWAY + " " + server.port() + " </dev/null; echo EXIT=$?";

      UserModeNetwork closed = UserModeNetwork.builder().build();
      try (ContainerRuntime rt = runtime(closed)) {
        Run r = Run.of(container(rt, TestRootfs.uniqueName("um-lo0"), closed).command("sh", "-c", probe));
        assertThat(r.out).as(r.toString()).doesNotContain(HostLoopbackServer.GREETING).contains("EXIT=");
        assertThat(server.accepted()).as("connections the host's loopback server accepted").isZero();
      }

      UserModeNetwork open = UserModeNetwork.builder().name("usermode-lo").hostLoopback(true).build();
      assertThat(open.hostLoopback()).isTrue();
      try (ContainerRuntime rt = runtime(open)) {
        Run r = Run.of(container(rt, TestRootfs.uniqueName("um-lo1"), open).command("sh", "-c", probe));
        assertThat(r.out).as(r.toString()).contains(HostLoopbackServer.GREETING);
        assertThat(server.accepted()).isEqualTo(1);
      }
    }
  }

  @Test
  void theHelperEndsWithTheContainerWhenItsJvmDiesAndTheNextRuntimeReclaimsTheRest() throws Exception {
    String name = TestRootfs.uniqueName("um-crash");
    Process jvm = ChildJvm.start(Child.class, stateRoot.toString(), name, busybox.toString());
    int initPid = 0;
    int helper = 0;
    long helperStarted = -1;
    String childErr = "";
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8));
      for (String line; (line = out.readLine()) != null; ) {
        if (line.startsWith("PIDS ")) {
          String[] f = line.split(" ");
          initPid = Integer.parseInt(f[1]);
          helper = Integer.parseInt(f[2]);
          helperStarted = RunState.startTime(helper); // while the JVM, and so the container, still runs
          break;
        }
      }
    } finally {
      if (initPid == 0) {
        // its stdout ended without PIDS: it is ending; read why before destroy(), which closes
        // the streams (read after it, the child's own words were lost to "Stream closed")
        childErr = jvm.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)
            ? new String(jvm.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)
            : "(nothing: its stdout ended, yet it still ran 10 s later)";
      }
      jvm.destroyForcibly(); // SIGKILL: nothing of it releases
      jvm.waitFor();
    }
    assertThat(initPid).as("the child JVM started its container; it said: %s", childErr).isPositive();
    assertThat(helperStarted).as("slirp4netns %d runs while its container does", helper).isPositive();
    for (int i = 0; i < 500 && ProcessHandle.of(initPid).isPresent(); i++) {
      Thread.sleep(10); // its poc-init kills it once the JVM is gone
    }
    for (int i = 0; i < 500 && RunState.startTime(helper) == helperStarted; i++) {
      Thread.sleep(10); // the watcher sees the init go and closes slirp4netns's exit pipe
    }
    assertThat(RunState.startTime(helper)).as("slirp4netns %d after its container's init ended", helper)
        .isNotEqualTo(helperStarted);
    Path runDir = stateRoot.resolve("run").resolve(name);
    assertThat(runDir.resolve("slirp4netns.pid")).exists();

    UserModeNetwork net = UserModeNetwork.builder().build();
    try (ContainerRuntime rt = runtime(net)) {
      assertThat(runDir).as("reclaimed by the next runtime").doesNotExist();
    }
  }

  /** Starts a container on the user-mode network, prints its init's and slirp4netns's pids, waits to be killed. */
  public static final class Child {
    private Child() {}

    public static void main(String[] args) throws Exception {
      UserModeNetwork net = UserModeNetwork.builder().build();
      ContainerRuntime rt = ContainerRuntime.builder().stateRoot(Path.of(args[0])).network(net).build();
      Container c = rt.container().name(args[1]).rootfs(Rootfs.directory(Path.of(args[2])))
          .network(Network.custom(net.name())).command("sleep", "1000")
          .stdin(Stdio.DISCARD).stdout(Stdio.DISCARD).stderr(Stdio.DISCARD).start();
      String helper = Files.readString(Path.of(args[0], "run", args[1], "slirp4netns.pid")).trim();
      System.out.println("PIDS " + c.pid() + " " + helper);
      System.out.flush();
      Thread.sleep(Long.MAX_VALUE);
    }
  }

  @Test
  void aHostPortInUseFailsTheStartAndLeavesNoHelper() throws Exception {
    UserModeNetwork net = UserModeNetwork.builder().build();
    try (ContainerRuntime rt = runtime(net);
         ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String name = TestRootfs.uniqueName("um-busy");
      int port = taken.getLocalPort();
      assertThatThrownBy(() -> container(rt, name, net).publish(port, 80).command("sleep", "100").start())
          .isInstanceOf(StartFailedException.class).hasMessageContaining("127.0.0.1:" + port)
          .hasMessageContaining(name).hasMessageContaining("pick another host port");
      assertThat(stateRoot.resolve("run").resolve(name)).doesNotExist();
      assertThat(slirpProcessesIn(stateRoot.resolve("run").resolve(name))).isEmpty();
    }
  }

  /** Live slirp4netns processes whose command line names {@code runDir} (their API socket is there). */
  private static java.util.List<Long> slirpProcessesIn(Path runDir) {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().command().map(c -> c.endsWith("slirp4netns")).orElse(false))
        .filter(p -> p.info().arguments().map(a -> String.join(" ", a).contains(runDir.toString())).orElse(false))
        .filter(p -> RunState.startTime((int) p.pid()) > 0)
        .map(ProcessHandle::pid).toList();
  }

  @Test
  void oneContainerReachesAnothersPublishedPortThroughTheHostLoopback() throws Exception {
    UserModeNetwork servers = UserModeNetwork.builder().build();
    UserModeNetwork clients = UserModeNetwork.builder().name("usermode-clients").hostLoopback(true).build();
    try (ContainerRuntime rt = ContainerRuntime.builder().stateRoot(stateRoot).network(servers).network(clients).build()) {
      String server = TestRootfs.uniqueName("um-srv");
      try (Container web = container(rt, server, servers).publish(0, 8080)
          .command("httpd", "-f", "-p", "8080", "-h", "/etc").start()) {
        int port = web.hostPort(8080);
        httpGet(port, "/hostname"); // up
        Run r = Run.of(container(rt, TestRootfs.uniqueName("um-cli"), clients)
            .command("wget", "-q", "-O", "-", "http://" + UserModeNetwork.GATEWAY + ":" + port + "/hostname"));
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out).contains(server);
      }
    }
  }

  @Test
  void aMissingToolIsNamedWithItsPackage() throws Exception {
    Path missing = stateRoot.resolve("no-such-dir").resolve("slirp4netns");
    UserModeNetwork net = UserModeNetwork.builder().slirp4netns(missing).build();
    try (ContainerRuntime rt = runtime(net)) {
      String name = TestRootfs.uniqueName("um-miss");
      assertThatThrownBy(() -> container(rt, name, net).command("true").start())
          .isInstanceOf(StartFailedException.class).hasMessageContaining(missing.toString())
          .hasMessageContaining("slirp4netns").hasMessageContaining("apt-get install slirp4netns");
      assertThat(stateRoot.resolve("run").resolve(name)).doesNotExist();
    }
  }

  @Test
  void aToolThatFailsSaysWhatItSaid() throws Exception {
    Path fake = Files.writeString(stateRoot.resolve("fake-slirp4netns"), "#!/bin/sh\necho 'cannot do that' >&2\nexit 3\n");
    fake.toFile().setExecutable(true);
    UserModeNetwork net = UserModeNetwork.builder().slirp4netns(fake).build();
    try (ContainerRuntime rt = runtime(net)) {
      String name = TestRootfs.uniqueName("um-fail");
      assertThatThrownBy(() -> container(rt, name, net).command("true").start())
          .isInstanceOf(StartFailedException.class).hasMessageContaining(fake.toString())
          .hasMessageContaining("cannot do that").hasMessageContaining(name);
      assertThat(stateRoot.resolve("run").resolve(name)).doesNotExist();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static String httpGet(int port, String path) throws Exception {
    return RawHttp.get("127.0.0.1", port, path);
  }

  /** A server on the host's 127.0.0.1 that greets and counts whoever connects. */
  private static final class HostLoopbackServer implements AutoCloseable {
    static final String GREETING = "hello-from-host-loopback";
    private final ServerSocket server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
    private final AtomicInteger accepted = new AtomicInteger();
    private final Thread acceptor = new Thread(this::serve, "host-loopback-server");

    HostLoopbackServer() throws IOException {
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return server.getLocalPort();
    }

    int accepted() {
      return accepted.get();
    }

    private void serve() {
      while (!server.isClosed()) {
        try (Socket s = server.accept(); OutputStream out = s.getOutputStream()) {
          accepted.incrementAndGet();
          out.write((GREETING + "\n").getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
          return; // closed
        }
      }
    }

    @Override
    public void close() throws Exception {
      server.close();
      acceptor.join();
    }
  }
}
