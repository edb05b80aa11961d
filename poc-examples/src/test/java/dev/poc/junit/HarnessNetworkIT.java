package dev.poc.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poc.ContainerRuntime;
import dev.poc.Network;
import dev.poc.NetworkSettings;
import dev.poc.Rootfs;
import dev.poc.Stdio;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Networked containers as a user's tests talk to them: a web server answering the test's
 * HttpClient through its published port and at its address, and two containers talking over the
 * class's own bridge.
 */
@PocTest
class HarnessNetworkIT {
  private static final Path ROOTFS = BusyboxRootfs.withPage("hello from poc\n");

  @Managed
  static PocContainer web = new PocContainer("httpd", "-f", "-p", "80", "-h", "/www")
      .withRootfs(Rootfs.directory(ROOTFS))
      .withNetwork(Network.BRIDGE)
      .withExposedPorts(80)
      .withNamePrefix("web")
      .waitingFor(Wait.forListeningPort(80));

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private String get(String url) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(url).isEqualTo(200);
    return r.body();
  }

  @Test
  void answersThroughItsPublishedPort() throws Exception {
    assertThat(web.host()).isEqualTo("127.0.0.1");
    assertThat(web.port(80)).isPositive().isNotEqualTo(80);
    assertThat(get("http://" + web.host() + ":" + web.port(80) + "/index.html")).isEqualTo("hello from poc\n");
  }

  @Test
  void answersAtItsAddressOnTheClassesOwnBridge(ContainerRuntime runtime) throws Exception {
    NetworkSettings net = runtime.networkSettings();
    assertThat(net.bridgeName()).isNotEqualTo("pocbr0").hasSizeLessThanOrEqualTo(15);
    assertThat(net.chainPrefix()).isNotEqualTo("POC");
    assertThat(web.address()).startsWith(net.bridgeSubnet().replace("0.0/16", ""));
    assertThat(Path.of("/sys/class/net", net.bridgeName(), "brif")).isDirectory();
    assertThat(get("http://" + web.address() + "/index.html")).isEqualTo("hello from poc\n");
  }

  @Test
  void twoContainersTalkOverTheBridge(ContainerRuntime runtime) throws Exception {
    // busybox nc copies its stdin to the connection and shuts its sending half when that stdin
    // ends. With the harness's default stdin (empty, as docker run without -i) the listener did
    // so the moment it accepted, and the sender, which exits on the end of the connection, could
    // exit 0 before its own stdin had given it a byte: an empty log, once in ~10 runs. Here the
    // listener's stdin is a pipe the test never writes nor closes, so only the sender ends the
    // stream, after its line: nc -l exits on that end, and the sender on the listener's close.
    try (PocContainer peer = new PocContainer("nc", "-l", "-p", "7000")
        .withRootfs(Rootfs.directory(ROOTFS))
        .withNetwork(Network.BRIDGE)
        .withSpec(spec -> spec.stdin(Stdio.PIPE))
        .withNamePrefix("peer")
        .waitingFor(Wait.forListeningPort(7000))
        .start(runtime)) {
      ExecResult sent = web.exec("sh", "-c", "echo hello over the bridge | nc " + peer.address() + " 7000");
      assertThat(sent.exitCode()).as(sent.toString()).isZero();
      assertThat(peer.container().waitFor(Duration.ofSeconds(10))).as("nc ends with the connection").isTrue();
      assertThat(peer.logLines()).containsExactly("hello over the bridge");
    }
    try (PocContainer client = new PocContainer("wget", "-qO-", "http://" + web.address() + "/index.html")
        .withRootfs(Rootfs.directory(ROOTFS))
        .withNetwork(Network.BRIDGE)
        .withNamePrefix("client")
        .start(runtime)) {
      assertThat(client.container().waitFor(Duration.ofSeconds(10))).isTrue();
      assertThat(client.container().exitCode()).isZero();
      client.stop();
      assertThat(client.logs()).isEqualTo("hello from poc");
    }
  }

  @Test
  void aContainerWithoutANetworkHasNoAddressAndSaysWhatToDo(ContainerRuntime runtime) throws Exception {
    try (PocContainer alone = new PocContainer("sleep", "100").withRootfs(Rootfs.directory(ROOTFS)).start(runtime)) {
      org.assertj.core.api.Assertions.assertThatThrownBy(alone::address)
          .hasMessageContaining("has no address: its network is net-disabled; use .withNetwork(Network.BRIDGE)");
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> alone.port(80))
          .hasMessageContaining("is not published: add .withExposedPorts(80)");
    }
  }

  @Test
  void containersOnAPocNetworkFindEachOtherByAliasAndTheNetworkGoesOnClose(ContainerRuntime runtime) throws Exception {
    String name;
    try (PocNetwork network = PocNetwork.newNetwork()) {
      name = network.name();
      try (PocContainer db = new PocContainer("httpd", "-f", "-p", "80", "-h", "/www")
          .withRootfs(Rootfs.directory(ROOTFS))
          .withNetwork(network)
          .withNetworkAliases("db")
          .withNamePrefix("db")
          .waitingFor(Wait.forListeningPort(80))
          .start(runtime);
          PocContainer app = new PocContainer("sleep", "100")
              .withRootfs(Rootfs.directory(ROOTFS))
              .withNetwork(network)
              .withNamePrefix("app")
              .start(runtime)) {
        assertThat(runtime.networks().stream().map(dev.poc.NetworkInfo::name)).contains(name);
        ExecResult got = app.exec("wget", "-qO-", "http://db/index.html");
        assertThat(got.exitCode()).as(got.toString()).isZero();
        assertThat(got.stdout()).isEqualTo("hello from poc\n");
        assertThat(app.exec("cat", "/etc/resolv.conf").stdout()).as("the network's own responder, on its gateway")
            .matches("nameserver 10\\.210\\.\\d+\\.1\nsearch poc\\.internal\n");
        ExecResult asked = app.exec("nslookup", "db"); // a DNS query, which reads no hosts file
        assertThat(asked.stdout()).as(asked.toString()).contains("Address: " + db.address());
        ExecResult outside = app.exec("nslookup", "nosuch.invalid");
        assertThat(outside.stdout() + outside.stderr()).as("never forwarded").contains("REFUSED");
      }
    }
    assertThat(runtime.networks().stream().map(dev.poc.NetworkInfo::name)).doesNotContain(name);
  }
}
