package dev.poc.rootless;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poc.Container;
import dev.poc.ContainerRuntime;
import dev.poc.ContainerSpec;
import dev.poc.MissingPrivilegeException;
import dev.poc.Network;
import dev.poc.Rootfs;
import dev.poc.TestRootfs;
import dev.poc.network.usermode.UserModeNetwork;
import dev.poc.state.RunState;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * As an ordinary user, net-default and net-bridge: a user-mode network of the container's own
 * (slirp4netns), a server inside reached through a port published on the host's 127.0.0.1, the
 * host's loopback services out of the container's reach, and nothing of the helper left after.
 */
class NetworkRootlessTest {
  private static ContainerRuntime runtime;
  private static Path busybox;

  @BeforeAll
  static void open() throws Exception {
    RootlessRuns.requireOrdinaryUser();
    runtime = ContainerRuntime.open(TestRootfs.stateRoot());
    busybox = TestRootfs.busybox();
  }

  @AfterAll
  static void close() {
    if (runtime != null) {
      runtime.close();
    }
  }

  private static ContainerSpec.Builder busybox(String name, Network network) {
    return runtime.container().name(name).rootfs(Rootfs.directory(busybox)).network(network);
  }

  @Test
  void bothModesGetAnAddressAndADefaultRoute() throws Exception {
    for (Network mode : new Network[] {Network.DEFAULT, Network.BRIDGE}) {
      var r = RootlessRuns.run(busybox(TestRootfs.uniqueName("rl-net"), mode)
          .command("sh", "-c", "ip -o -4 addr show dev " + UserModeNetwork.INTERFACE + "; ip route"));
      assertThat(r.code()).as(mode + ": " + r).isZero();
      assertThat(r.out()).as(mode.toString()).contains("inet " + UserModeNetwork.ADDRESS + "/24")
          .contains("default via " + UserModeNetwork.GATEWAY);
    }
  }

  @Test
  void aServerInsideIsReachedThroughAPublishedPortAndNothingIsLeftAfterStop() throws Exception {
    String name = TestRootfs.uniqueName("rl-web");
    Path runDir = runtime.stateRoot().resolve("run").resolve(name);
    int port;
    int helper;
    long helperStarted;
    try (Container c = busybox(name, Network.DEFAULT).publish(0, 8080)
        .command("sh", "-c", "exec httpd -f -p 8080 -h /etc").start()) {
      port = c.hostPort(8080);
      assertThat(httpGet(port, "/hostname")).contains(name);
      helper = Integer.parseInt(Files.readString(runDir.resolve("slirp4netns.pid")).trim());
      helperStarted = RunState.startTime(helper);
      assertThat(helperStarted).as("slirp4netns %d runs", helper).isPositive();
      c.stop(Duration.ofSeconds(2));
    }
    // gone, or a zombie its new parent has yet to reap: either way it runs no more
    assertThat(RunState.startTime(helper)).as("slirp4netns %d after stop", helper).isNotEqualTo(helperStarted);
    assertThat(runDir).doesNotExist();
    assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close()).isInstanceOf(ConnectException.class);
  }

  @Test
  void theHostsLoopbackIsOutOfReach() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
      AtomicInteger accepted = new AtomicInteger();
      Thread acceptor = new Thread(() -> {
        while (!server.isClosed()) {
          try (Socket s = server.accept()) {
            accepted.incrementAndGet();
          } catch (IOException e) {
            return;
          }
        }
      }, "host-loopback");
      acceptor.setDaemon(true);
      acceptor.start();
      var r = RootlessRuns.run(busybox(TestRootfs.uniqueName("rl-lo"), Network.DEFAULT).command("sh", "-c",
          "nc -w 3 " + UserModeNetwork.GATEWAY + " " + server.getLocalPort() + " </dev/null; echo EXIT=$?"));
      assertThat(r.out()).as(r.toString()).contains("EXIT=").doesNotContain("EXIT=0");
      assertThat(accepted.get()).as("connections the host's loopback server saw").isZero();
    }
  }

  @Test
  void aNamedNetworkNeedsRoot() throws Exception {
    assertThatThrownBy(() -> RootlessRuns.run(busybox(TestRootfs.uniqueName("rl-named"), Network.named("rlnet"))
        .command("true"))).isInstanceOf(MissingPrivilegeException.class).hasMessageContaining("rootless")
        .hasMessageContaining("Network.DEFAULT");
  }

  private static String httpGet(int port, String path) throws Exception {
    return dev.poc.RawHttp.get("127.0.0.1", port, path);
  }
}
