package dev.poc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The seed's run lines with a network, through ./poc, on one disk built over a host image (fast,
 * nothing downloaded): the address and route inside, the gateway answering a ping (the only
 * address pinged), a published port answering HTTP, and nothing left on the host after rm and
 * prune. The test's own bridge, subnets and chains come through the POC_* variables.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NetworkCliIT {
  private static Cli cli;
  private static String name;
  private static String web;
  private static List<String> before;

  @BeforeAll
  static void buildADisk() throws Exception {
    cli = new Cli();
    name = Cli.name("n"); // 8 characters: the seed's veth0_NAME / vpeer1_NAME forms fit in 15
    web = Cli.name("web");
    before = HostObjects.of(cli, name, web);
    Cli.Result init = cli.line("sudo ./poc init --host", null);
    assertThat(init.code()).as(init.toString()).isZero();
    Cli.Result build = cli.line("sudo ./poc build " + name + " disk-size 1G", null);
    assertThat(build.code()).as(build.toString()).isZero();
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (cli != null) {
      cli.run("prune"); // what a failed step left
      cli.close();
    }
  }

  /** The prefix of the test's bridge subnet, e.g. "10.131." */
  private static String bridgeNet() {
    return cli.network().bridgeSubnet().replace("0.0/16", "");
  }

  private static String defaultNet() {
    return cli.network().defaultSubnet().replace("0.0/16", "");
  }

  /** Inside: its address, its default route, and one ping of the gateway that route names. */
  private static String lookAround() {
    return "'ip -4 -o addr show dev vpeer1_" + name + " | grep -o \"inet [0-9./]*\"; set -- $(ip route | grep ^default);"
        + " echo gw=$3; busybox ping -c 1 -W 5 $3 | grep -o \"1 packets received\"'";
  }

  @Test
  @Order(1)
  void netBridge() throws Exception {
    Cli.Result r = cli.line("sudo ./poc run net-bridge " + name + " sh -c " + lookAround(), null);
    assertThat(r.code()).as(r.toString()).isZero();
    String[] lines = r.out().split("\n");
    assertThat(lines[0]).matches("inet " + Pattern.quote(bridgeNet()) + "\\d+\\.2/16");
    assertThat(lines[1]).isEqualTo("gw=" + bridgeNet() + "1.1"); // the bridge
    assertThat(lines[2]).isEqualTo("1 packets received");
  }

  @Test
  @Order(2)
  void netDefault() throws Exception {
    Cli.Result r = cli.line("sudo ./poc run net-default " + name + " sh -c " + lookAround(), null);
    assertThat(r.code()).as(r.toString()).isZero();
    String[] lines = r.out().split("\n");
    Matcher m = Pattern.compile("inet " + Pattern.quote(defaultNet()) + "(\\d+)\\.2/24").matcher(lines[0]);
    assertThat(m.matches()).as(lines[0]).isTrue();
    assertThat(lines[1]).isEqualTo("gw=" + defaultNet() + m.group(1) + ".1"); // the host end of its veth
    assertThat(lines[2]).isEqualTo("1 packets received");
  }

  @Test
  @Order(3)
  void detachedOnTheBridgeShowsItsAddressAndFigures() throws Exception {
    Cli.Result started = cli.run("run", "--detach", "--memory", "64M", "net-bridge", name, "sleep", "1000");
    assertThat(started.code()).as(started.toString()).isZero();
    try {
      Cli.Result ps = cli.run("ps");
      Matcher row = Pattern.compile("(?m)^" + name + " +running +(\\d+) +(" + Pattern.quote(bridgeNet()) + "\\d+\\.2) +1G over default")
          .matcher(ps.out());
      assertThat(row.find()).as(ps.toString()).isTrue();
      String address = row.group(2);
      Cli.Result inside = cli.run("exec", name, "sh", "-c", "ip -4 -o addr show dev vpeer1_" + name);
      assertThat(inside.out()).contains(" " + address + "/16 ");
      Cli.Result stats = cli.run("stats", name);
      assertThat(stats.code()).as(stats.toString()).isZero();
      assertThat(stats.out()).containsPattern("(?m)^" + name + " +[\\d.]+[BKM] +[\\d.]+[BKM] +[\\d.]+s +2 +0x 0.00s +no$");
      // what the cleanup checks below must not find: the snapshot does see a running container's pieces
      String seen = String.join("\n", HostObjects.of(cli, name, web));
      assertThat(seen).contains("veth0_" + name, "netns_" + name, cli.network().bridgeName(),
          cli.network().chainPrefix() + "-FORWARD", "cgroup ", "loop ");
    } finally {
      Cli.Result stop = cli.run("stop", name);
      assertThat(stop.code()).as(stop.toString()).isZero();
    }
  }

  @Test
  @Order(4)
  void aPublishedPortAnswersWhileTheCliRuns() throws Exception {
    try (Cli.Background run = cli.background("run", "--host-rootfs", "--publish", "8080", "net-bridge", web, "sh", "-c",
        "mkdir -p /tmp/www && echo hello from the cli > /tmp/www/index.html && exec busybox httpd -f -p 8080 -h /tmp/www")) {
      Pattern announced = Pattern.compile("poc: published 127\\.0\\.0\\.1:(\\d+) -> " + web + ":8080");
      Matcher m = announced.matcher("");
      for (String line = run.nextErrorLine(); line != null && !m.reset(line).matches(); line = run.nextErrorLine()) {
        System.out.println("poc run: " + line);
      }
      assertThat(m.matches()).as("the CLI says which port it picked").isTrue();
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      assertThat(get(http, "http://127.0.0.1:" + m.group(1) + "/index.html")).isEqualTo("hello from the cli\n");
      String address = cli.run("ps").out().lines().filter(l -> l.startsWith(web + " ")).findFirst().orElseThrow()
          .split(" +")[3];
      assertThat(get(http, "http://" + address + ":8080/index.html")).isEqualTo("hello from the cli\n");
      assertThat(cli.run("stop", web).code()).isZero();
      assertThat(run.awaitExit()).as("httpd ended by SIGTERM").isEqualTo(128 + 15);
    }
  }

  @Test
  @Order(4)
  void aDetachedContainersPublishedPortAnswersAfterTheCliExitedAndGoesWithRm() throws Exception {
    String bg = Cli.name("pub");
    String other = Cli.name("pub");
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    Cli.Result started = cli.run("run", "-d", "--host-rootfs", "--publish", port + ":8080", "net-bridge", bg, "sh", "-c",
        "mkdir -p /tmp/www && echo detached > /tmp/www/index.html && exec busybox httpd -f -p 8080 -h /tmp/www");
    assertThat(started.code()).as(started.toString()).isZero(); // cli.run waited: the poc process has exited
    assertThat(started.out()).isEqualTo(bg + "\n");
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      assertThat(get(http, "http://127.0.0.1:" + port + "/index.html")).isEqualTo("detached\n");
      assertThat(get(http, "http://" + bridgeNet() + "1.1:" + port + "/index.html")).as("on the bridge's address")
          .isEqualTo("detached\n");
      Cli.Result clash = cli.run("run", "-d", "--host-rootfs", "--publish", port + ":80", "net-bridge", other, "true");
      assertThat(clash.code()).as(clash.toString()).isEqualTo(125);
      assertThat(clash.err()).contains("127.0.0.1:" + port, "container '" + bg + "' already publishes host port " + port);
      assertThat(HostObjects.run("iptables-save")).contains("poc-port:" + bg).doesNotContain("poc-port:" + other);
    } finally {
      Cli.Result rm = cli.run("rm", "--force", bg);
      assertThat(rm.code()).as(rm.toString()).isZero();
    }
    assertThat(HostObjects.run("iptables-save")).as("its DNAT rules, after rm").doesNotContain("poc-port:" + bg);
    assertThatThrownBy(() -> new java.net.Socket("127.0.0.1", port).close()).isInstanceOf(java.net.ConnectException.class);
  }

  /** GET, retried while httpd is not listening yet (the connection is then refused). */
  private static String get(HttpClient http, String url) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build();
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (true) {
      try {
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
      } catch (java.io.IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  @Test
  @Order(5)
  void aNamedNetworkResolvesItsMembersAliasesAndGoesWithNetworkRm() throws Exception {
    String net = "nt" + name;
    String db = Cli.name("db");
    Cli.Result create = cli.run("network", "create", net);
    assertThat(create.code()).as(create.toString()).isZero();
    assertThat(cli.run("network", "ls").out()).containsPattern("(?m)^" + net + " +10\\.210\\.\\d+\\.0/20 +pocn\\d+ ");
    try {
      Cli.Result server = cli.run("run", "-d", "--host-rootfs", "--network", net, "--alias", "store", db, "sh", "-c",
          "mkdir -p /tmp/www && echo named > /tmp/www/index.html && exec busybox httpd -f -p 8080 -h /tmp/www");
      assertThat(server.code()).as(server.toString()).isZero();
      Cli.Result client = cli.run("run", "--host-rootfs", "--network", net, Cli.name("cl"), "sh", "-c",
          "for i in $(seq 50); do busybox wget -qO- http://store:8080/index.html && exit 0; sleep 0.1; done; exit 1");
      assertThat(client.code()).as(client.toString()).isZero();
      assertThat(client.out()).contains("named");
      Cli.Result busy = cli.run("network", "rm", net);
      assertThat(busy.code()).as(busy.toString()).isNotZero();
      assertThat(busy.err()).contains("still has containers").contains(db);
    } finally {
      cli.run("stop", db);
    }
    Cli.Result rm = cli.run("network", "rm", net);
    assertThat(rm.code()).as(rm.toString()).isZero();
    assertThat(cli.run("network", "ls").out()).doesNotContain(net);
  }

  @Test
  @Order(6)
  void rmAndPruneLeaveNothing() throws Exception {
    Cli.Result rm = cli.line("sudo ./poc rm " + name, null);
    assertThat(rm.code()).as(rm.toString()).isZero();
    Cli.Result prune = cli.line("sudo ./poc prune", null);
    assertThat(prune.code()).as(prune.toString()).isZero();
    assertThat(HostObjects.of(cli, name, web)).as("host objects left after rm and prune").isEqualTo(before);
  }
}
