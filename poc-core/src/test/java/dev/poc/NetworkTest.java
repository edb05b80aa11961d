package dev.poc;

import dev.poc.host.Posix;
import dev.poc.namespace.NetnsNames;
import dev.poc.network.AddressAllocator;
import dev.poc.network.Bridge;
import dev.poc.network.InterfaceNames;
import dev.poc.network.Ipv4Subnet;
import dev.poc.network.NetworkAttachment;
import dev.poc.network.NetworkSetup;
import dev.poc.network.Rtnetlink;
import dev.poc.state.NameLock;
import dev.poc.state.RunState;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Networking end to end, on the real kernel. Each test has its own bridge, subnets and chains
 * ({@link NetEnv}), and checks after pruning that the host's links, netns names, iptables rules
 * and mounts are exactly as before. Packets go only to the test's own bridge and containers,
 * and to 127.0.0.1.
 */
class NetworkTest {
  private NetEnv env;

  @BeforeEach
  void setUp() throws Exception {
    env = NetEnv.create();
  }

  @AfterEach
  void tearDown() throws Exception {
    env.close();
  }

  @Test
  void disabledHasOnlyLoopbackAndANamedNetns() throws Exception {
    String name = env.name(8);
    try (Container c = env.container(name, Network.DISABLED)
        .command("sh", "-c", "ip -o link; echo ROUTES; ip route; echo END; sleep 30").start()) {
      List<String> out = linesUntil(c, "END");
      List<String> links = out.subList(0, out.indexOf("ROUTES"));
      assertThat(links).hasSize(1);
      assertThat(links.get(0)).contains("lo:").contains("UP");
      assertThat(out.subList(out.indexOf("ROUTES") + 1, out.size() - 1)).isEmpty();
      assertThat(c.address()).isEmpty();
      assertThat(NetEnv.run("ip", "netns")).contains(InterfaceNames.netns(name));
      assertThat(NetEnv.run("ip", "netns", "exec", InterfaceNames.netns(name), "ip", "-o", "link").trim().split("\n"))
          .hasSize(1).allMatch(l -> l.contains("lo:"));
    }
    assertReleased(name);
  }

  @Test
  void defaultModeHasItsOwnSlash24ViaTheHostEnd() throws Exception {
    String name = env.name(8);
    Ipv4Subnet subnet = env.settings.defaultPool();
    try (Container c = env.container(name, Network.DEFAULT).command("sh", "-c",
        "ip -o -4 addr show dev vpeer1_" + name + "; ip route; cat /etc/hosts /etc/hostname /etc/resolv.conf;"
            + " ping -c 1 -W 2 $(ip route | awk '/default/ {print $3}') >/dev/null && echo PING-OK; echo END; sleep 30")
        .start()) {
      String address = c.address().orElseThrow();
      int slot = (Ipv4Subnet.parseAddress(address, "t") - subnet.base()) >> 8;
      assertThat(address).isEqualTo(subnet.address(slot, 2));
      String gateway = subnet.address(slot, 1);
      String out = String.join("\n", linesUntil(c, "END"));
      String hostEnd = NetEnv.run("ip", "-o", "-4", "addr", "show", "dev", "veth0_" + name);
      assertThat(hostEnd).contains("inet " + gateway + "/24");
      assertThat(NetEnv.run("ip", "-o", "link", "show", "veth0_" + name)).contains("alias poc:" + name);
      assertThat(out).contains("inet " + address + "/24")
          .contains("default via " + gateway + " dev vpeer1_" + name)
          .contains(address + "\t" + name)
          .contains("nameserver ")
          .contains("PING-OK");
      assertThat(out.lines()).contains(name);
    }
    assertReleased(name);
  }

  @Test
  void bridgeContainersReachTheGatewayAndEachOtherOverTcp() throws Exception {
    String a = env.name(8);
    String b = env.name(8);
    String gateway = env.settings.bridgeGateway();
    try (Container server = env.container(a, Network.BRIDGE)
        .command("sh", "-c", "ip -o -4 addr show dev vpeer1_" + a + "; ip route; (sleep 0.5; echo from-a) | nc -l -p 7000").start()) {
      String addrA = server.address().orElseThrow();
      assertThat(addrA).matches(env.settings.bridgeSubnet().replace(".0.0/16", "") .replace(".", "\\.") + "\\.\\d+\\.2");
      assertThat(NetEnv.run("ip", "-o", "link", "show", "veth0_" + a)).contains("master " + env.settings.bridgeName());
      try (Container client = env.container(b, Network.BRIDGE).command("sh", "-c",
          "ping -c 1 -W 2 " + gateway + " >/dev/null && echo PING-OK;"
              + " for i in $(seq 20); do out=$( (echo from-b; sleep 1) | nc " + addrA + " 7000 )"
              + " && [ -n \"$out\" ] && echo \"$out\" && exit 0; sleep 0.1; done; exit 1").start()) {
        assertThat(client.address().orElseThrow()).isNotEqualTo(addrA);
        String clientOut = output(client);
        assertThat(clientOut).contains("PING-OK").contains("from-a");
        assertThat(client.exitCode()).isZero();
      }
      String serverOut = output(server);
      assertThat(serverOut).contains("inet " + addrA + "/16").contains("default via " + gateway).contains("from-b");
    }
    assertReleased(a);
    assertReleased(b);
  }

  @Test
  void theHostReachesAServerInsideByAddressAndByPublishedPort() throws Exception {
    for (Network mode : List.of(Network.DEFAULT, Network.BRIDGE)) {
      String name = env.name(8);
      int fixed = freePort();
      try (Container c = env.container(name, mode).publish(0, 8080).publish(fixed, 8081)
          .command("sh", "-c", "httpd -p 8081 -h /etc; exec httpd -f -p 8080 -h /etc").start()) {
        String address = c.address().orElseThrow();
        int any = c.hostPort(8080);
        assertThat(any).isPositive().isNotEqualTo(fixed);
        assertThat(c.hostPort(8081)).isEqualTo(fixed);
        assertThat(httpGet(address, 8080, "/hostname")).as(mode + " by address").contains(name);
        assertThat(httpGet("127.0.0.1", any, "/hostname")).as(mode + " on a free port").contains(name);
        assertThat(httpGet("127.0.0.1", fixed, "/hostname")).as(mode + " on a chosen port").contains(name);
        String gateway = mode == Network.BRIDGE ? bridgeGateway() : defaultGateway(address);
        assertThat(httpGet(gateway, fixed, "/hostname")).as(mode + " on the host's address " + gateway).contains(name);
        assertThat(portRules(name)).as("its DNAT rules").isNotEmpty();
        assertThat(NetEnv.run("iptables", "-S", env.settings.chainPrefix() + "-LOCALNET"))
            .as("route_localnet's guard (CVE-2020-8558)")
            .contains("-d 127.0.0.0/8 ! -i lo -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP");
        String outIf = mode == Network.BRIDGE ? env.settings.bridgeName() : InterfaceNames.hostVeth(name);
        assertThat(Files.readString(Path.of("/proc/sys/net/ipv4/conf", outIf, "route_localnet")).trim()).isEqualTo("1");
        assertThatThrownBy(() -> c.hostPort(9999)).isInstanceOf(InvalidSpecException.class).hasMessageContaining("not published");
        c.stop(Duration.ofSeconds(2));
        assertThatThrownBy(() -> new Socket("127.0.0.1", any).close()).isInstanceOf(ConnectException.class);
        try (ServerSocket again = new ServerSocket(fixed, 1, java.net.InetAddress.getLoopbackAddress())) {
          assertThat(again.getLocalPort()).isEqualTo(fixed); // released with the container
        }
      }
      assertReleased(name);
    }
  }

  @Test
  void aRecordWhoseRulesAreGoneDoesNotHoldItsPort() throws Exception {
    int port = freePort();
    String gone = env.name(8);
    Path record = NetworkSetup.LEASE_DIR.resolve("ports").resolve(gone);
    Files.createDirectories(record.getParent());
    Files.writeString(record, "ports " + port + "\n"); // what a container whose rules someone flushed leaves
    String name = env.name(8);
    try (Container c = env.container(name, Network.BRIDGE).publish(port, 80).command("sleep", "60").start()) {
      assertThat(c.hostPort(80)).isEqualTo(port);
      assertThat(record).doesNotExist();
    } finally {
      Files.deleteIfExists(record);
    }
    assertReleased(name);
  }

  @Test
  void publishedPortChainsRemovedBehindPocsBackAreMadeAgain() throws Exception {
    String first = env.name(8);
    try (Container c = env.container(first, Network.BRIDGE).publish(0, 80).command("sleep", "60").start()) {
      assertThat(portRules(first)).hasSize(3);
    }
    assertReleased(first);
    String chain = env.settings.chainPrefix() + "-PORTS";
    for (String rule : NetEnv.run("iptables", "-t", "nat", "-S").lines().filter(l -> l.endsWith(" -j " + chain)).toList()) {
      NetEnv.run(("iptables -t nat -D " + rule.substring(3)).split(" ")); // the jumps to this test's own chain
    }
    NetEnv.run("iptables", "-t", "nat", "-X", chain);
    String second = env.name(8);
    try (Container c = env.container(second, Network.BRIDGE).publish(0, 8080)
        .command("httpd", "-f", "-p", "8080", "-h", "/etc").start()) {
      assertThat(httpGet("127.0.0.1", c.hostPort(8080), "/hostname")).contains(second);
    }
    assertReleased(second);
  }

  @Test
  void tenAndSixtyCharacterNamesWorkAndDoNotCollide() throws Exception {
    String ten = env.name(10);
    String sixty = env.name(60);
    String sixtyToo = sixty.substring(0, 50) + "0123456789".substring(0, 10);
    List<Container> started = new ArrayList<>();
    try {
      for (String[] n : new String[][] {{ten, "BRIDGE"}, {sixty, "BRIDGE"}, {sixtyToo, "DEFAULT"}}) {
        Network mode = Network.valueOf(n[1]);
        Container c = env.container(n[0], mode).command("sh", "-c",
            "ip -o -4 addr show dev " + InterfaceNames.peerVeth(n[0]) + " && ping -c 1 -W 2 "
                + "$(ip route | awk '/default/ {print $3}') >/dev/null && echo PING-OK; sleep 30").start();
        started.add(c);
        assertThat(linesUntil(c, "PING-OK")).anyMatch(l -> l.contains("inet " + c.address().orElseThrow() + "/"));
      }
      Set<String> hostEnds = new HashSet<>();
      for (Container c : started) {
        String hostEnd = InterfaceNames.hostVeth(c.name());
        assertThat(hostEnd.length()).isLessThanOrEqualTo(15);
        hostEnds.add(hostEnd);
        assertThat(NetEnv.run("ip", "-o", "link", "show", hostEnd)).contains("alias poc:" + c.name());
        assertThat(NetEnv.run("ip", "netns", "exec", InterfaceNames.netns(c.name()), "ip", "-o", "link"))
            .contains(InterfaceNames.peerVeth(c.name()));
      }
      assertThat(hostEnds).hasSize(3);
      assertThat(started.stream().map(c -> c.address().orElseThrow()).distinct()).hasSize(3);
    } finally {
      started.forEach(Container::close);
    }
    for (String n : List.of(ten, sixty, sixtyToo)) {
      assertReleased(n);
    }
  }

  @Test
  void thirtyParallelStartsGetThirtyDistinctAddresses() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(30);
    List<Container> started = Collections.synchronizedList(new ArrayList<>());
    try {
      List<Future<Container>> futures = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        String name = env.name(i % 2 == 0 ? 9 : 40);
        futures.add(pool.submit(() -> {
          Container c = env.container(name, Network.BRIDGE).command("sleep", "60").start();
          started.add(c);
          return c;
        }));
      }
      for (Future<Container> f : futures) {
        f.get();
      }
      Set<String> addresses = started.stream().map(c -> c.address().orElseThrow()).collect(Collectors.toSet());
      assertThat(addresses).hasSize(30);
      try (var ports = Files.list(Path.of("/sys/class/net", env.settings.bridgeName(), "brif"))) {
        assertThat(ports.count()).isEqualTo(30);
      }
      List<Long> costs = started.stream().map(NetworkTest::networkMicros).sorted().toList();
      System.out.println("network setup per start, 30 in parallel (us): median " + costs.get(15) + ", max " + costs.get(29));
      List<Future<?>> stops = new ArrayList<>();
      for (Container c : started) {
        stops.add(pool.submit(c::close));
      }
      for (Future<?> f : stops) {
        f.get();
      }
    } finally {
      started.forEach(Container::close);
      pool.shutdownNow();
    }
    for (Container c : started) {
      assertReleased(c.name());
    }
    assertThat(Bridge.hasPorts(env.settings.bridgeName())).isFalse();
  }

  @Test
  void addressesFreedOutOfOrderAreNeverHandedOutTwice() throws Exception {
    Map<String, Container> live = new java.util.LinkedHashMap<>();
    try {
      for (String n : List.of("a", "b", "c")) {
        live.put(n, env.container(env.name(8), Network.BRIDGE).command("sleep", "60").start());
      }
      live.remove("b").close();
      live.remove("a").close();
      for (String n : List.of("d", "e", "f")) {
        live.put(n, env.container(env.name(8), Network.BRIDGE).command("sleep", "60").start());
      }
      List<String> addresses = live.values().stream().map(c -> c.address().orElseThrow()).toList();
      assertThat(addresses).doesNotHaveDuplicates().hasSize(4);
      assertThat(env.setup().settings()).isEqualTo(env.settings);
    } finally {
      live.values().forEach(Container::close);
    }
  }

  @Test
  void stopKillAndExitEachReleaseEverything() throws Exception {
    String stopped = env.name(8);
    try (Container c = env.container(stopped, Network.BRIDGE).command("sleep", "60").start()) {
      assertHeld(stopped);
      c.stop(Duration.ofSeconds(1));
    }
    assertReleased(stopped);
    String killed = env.name(30);
    try (Container c = env.container(killed, Network.DEFAULT).command("sleep", "60").start()) {
      assertHeld(killed);
      c.kill(Signal.KILL);
      assertThat(c.waitFor()).isEqualTo(137);
    }
    assertReleased(killed);
    String exited = env.name(8);
    try (Container c = env.container(exited, Network.DEFAULT).publish(0, 80).command("true").start()) {
      c.waitFor();
    }
    assertReleased(exited);
  }

  @Test
  void aNewRuntimeReclaimsWhatAKilledJvmLeft() throws Exception {
    String bridged = env.name(8);
    String routed = env.name(40);
    Process child = startChild(false, bridged, routed);
    try {
      Map<String, String[]> started = readStarted(child);
      for (String n : List.of(bridged, routed)) {
        assertHeld(n);
        assertThat(portRules(n)).as("DNAT rules of %s", n).isNotEmpty();
      }
      List<Integer> helpers = List.of(helperPid(bridged), helperPid(routed));
      child.destroyForcibly(); // SIGKILL: no shutdown hook, no release
      child.waitFor();
      for (int pid : helpers) {
        awaitGone(pid); // the helpers see their control sockets close and kill their containers
      }
      assertThat(Rtnetlink.open().link(InterfaceNames.hostVeth(bridged))).as("left behind until reclaimed").isPresent();
      assertThat(portRules(bridged)).as("the published port's rules, until reclaimed").isNotEmpty();
      try (ContainerRuntime again = env.runtime()) {
        for (String n : List.of(bridged, routed)) {
          assertReleased(n);
        }
      }
    } finally {
      child.destroyForcibly();
    }
  }

  @Test
  void removingADetachedContainerWhoseJvmExitedReleasesItsNetwork() throws Exception {
    String name = env.name(12);
    Process child = startChild(true, name);
    readStarted(child);
    assertThat(child.waitFor()).isZero();
    try (ContainerRuntime again = env.runtime()) {
      assertHeld(name); // still running: reclaim leaves it alone
      int helper = helperPid(name);
      Posix.kill(helper, Signal.KILL.number()); // what `rm` of a running detached container does
      awaitGone(helper);
      try (NameLock lock = NameLock.tryAcquire(name).orElseThrow()) {
        again.reclaimIfDead(name, again.runDir(name));
      }
      assertReleased(name);
    }
  }

  @Test
  void pruneReleasesTheNetnsNameOfADetachedContainerKilledInAStateRootNoOneReopens() throws Exception {
    // A detached container's run dir lives in its own state root; once something else kills it
    // (the OOM killer, kill -9), only a prune can find what it held on the host.
    String name = env.name(12);
    Path elsewhere = TestRootfs.stateRoot();
    Process child = ChildJvm.start(CgroupChildJvm.class, elsewhere.toString(), name,
        TestRootfs.busybox().toString(), "detached");
    String line = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8)).readLine();
    assertThat(child.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(line).startsWith("STARTED ");
    int initPid = Integer.parseInt(line.substring(8).trim());
    long initStart = RunState.startTime(initPid);
    Path netns = NetnsNames.DIR.resolve(InterfaceNames.netns(name));
    try {
      assertThat(netns).exists();
      assertThat(Posix.kill(initPid, 9)).isTrue();
      for (int i = 0; i < 200 && Posix.isAlive(initPid); i++) {
        Thread.sleep(10);
      }
      env.rt.prune();
      assertThat(netns).as("the netns name of a container that is gone, after prune").doesNotExist();
    } finally {
      if (RunState.startTime(initPid) == initStart) { // still that init, not a reused pid
        Posix.kill(initPid, 9);
      }
      ContainerRuntime.open(elsewhere).close(); // reclaims whatever the prune did not
    }
  }

  @Test
  void pruneRemovesOnlyPocsChainsAndBridgeAndNotWhileInUse() throws Exception {
    String foreignChain = "F" + env.tag.toUpperCase();
    String foreignLink = "fd" + env.tag;
    NetEnv.run("iptables", "-N", foreignChain);
    NetEnv.run("iptables", "-A", "FORWARD", "-j", foreignChain);
    NetEnv.run("ip", "link", "add", foreignLink, "type", "bridge");
    try {
      try (Container c = env.container(env.name(8), Network.BRIDGE).command("sleep", "60").start();
          ContainerRuntime second = env.runtime();
          Container d = second.container().name(env.name(8)).rootfs(Rootfs.directory(TestRootfs.busybox()))
              .network(Network.DEFAULT).command("sleep", "60").start()) {
        String rules = NetEnv.run("iptables", "-S");
        assertThat(count(rules, "-A FORWARD -j " + env.settings.forwardChain())).as("one jump for two runtimes").isEqualTo(1);
        assertThat(count(NetEnv.run("iptables", "-S", env.settings.forwardChain()), "-A ")).isEqualTo(6); // with the two drops into named networks
        env.setup().prune();
        assertThat(NetEnv.run("iptables", "-S")).as("kept while containers run").contains(env.settings.forwardChain());
        assertThat(Path.of("/sys/class/net", env.settings.bridgeName())).exists();
      }
      env.setup().prune();
      String filter = NetEnv.run("iptables", "-S");
      assertThat(filter).doesNotContain(env.settings.forwardChain()).contains("-A FORWARD -j " + foreignChain);
      assertThat(NetEnv.run("iptables", "-t", "nat", "-S")).doesNotContain(env.settings.postroutingChain());
      assertThat(Path.of("/sys/class/net", env.settings.bridgeName())).doesNotExist();
      assertThat(Path.of("/sys/class/net", foreignLink)).exists();
    } finally {
      NetEnv.run("iptables", "-D", "FORWARD", "-j", foreignChain);
      NetEnv.run("iptables", "-X", foreignChain);
      NetEnv.run("ip", "link", "del", foreignLink);
    }
  }

  @Test
  void mistakesAndClashesAreClearErrorsThatLeaveNothing() throws Exception {
    assertThatThrownBy(() -> env.container(env.name(8), Network.DISABLED).publish(80).command("true").start())
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("publishes ports but its network is net-disabled");

    String clash = env.name(8);
    NetEnv.run("ip", "link", "add", "veth0_" + clash, "type", "bridge");
    try {
      assertThatThrownBy(() -> env.container(clash, Network.DEFAULT).command("true").start())
          .isInstanceOf(StartFailedException.class)
          .hasMessageContaining("creating veth veth0_" + clash)
          .hasMessageContaining("File exists")
          .hasMessageContaining("an interface of that name exists");
      assertThat(Path.of("/sys/class/net", "veth0_" + clash)).as("the foreign interface is left alone").exists();
    } finally {
      NetEnv.run("ip", "link", "del", "veth0_" + clash);
    }
    assertReleased(clash);

    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      String name = env.name(8);
      assertThatThrownBy(() -> env.container(name, Network.BRIDGE).publish(taken.getLocalPort(), 80).command("true").start())
          .isInstanceOf(StartFailedException.class).hasMessageContaining("127.0.0.1:" + taken.getLocalPort())
          .hasMessageContaining("pick another host port");
      assertReleased(name);
    }

    try (ServerSocket onGateway = new ServerSocket()) { // a host service on the bridge's address only
      String gateway = bridgeGateway();
      String name = env.name(8);
      try (Container first = env.container(env.name(8), Network.BRIDGE).command("sleep", "60").start()) { // makes the bridge
        onGateway.bind(new InetSocketAddress(gateway, 0), 1);
        assertThatThrownBy(() -> env.container(name, Network.BRIDGE).publish(onGateway.getLocalPort(), 80).command("true").start())
            .isInstanceOf(StartFailedException.class).hasMessageContaining(gateway + ":" + onGateway.getLocalPort())
            .hasMessageContaining("already listens");
      }
      assertReleased(name);
    }

    String owner = env.name(8);
    try (Container c = env.container(owner, Network.BRIDGE).publish(0, 80).command("sleep", "60").start()) {
      int port = c.hostPort(80);
      String name = env.name(8);
      assertThatThrownBy(() -> env.container(name, Network.DEFAULT).publish(port, 80).command("true").start())
          .isInstanceOf(StartFailedException.class).hasMessageContaining("127.0.0.1:" + port)
          .hasMessageContaining("container '" + owner + "' already publishes host port " + port);
      assertReleased(name);
      assertThat(portRules(owner)).as("the first container's rules stay").hasSize(3);
    }
    assertReleased(owner);
  }

  @Test
  void aForeignBridgeOfThatNameIsNotUsed() throws Exception {
    NetEnv.run("ip", "link", "add", env.settings.bridgeName(), "type", "bridge");
    try {
      String name = env.name(8);
      assertThatThrownBy(() -> env.container(name, Network.BRIDGE).command("true").start())
          .isInstanceOf(StartFailedException.class).hasMessageContaining("poc did not create it");
      assertReleased(name);
      env.setup().prune();
      assertThat(Path.of("/sys/class/net", env.settings.bridgeName())).as("prune leaves it").exists();
    } finally {
      NetEnv.run("ip", "link", "del", env.settings.bridgeName());
    }
  }

  @Test
  void aFullSubnetIsAClearError() throws Exception {
    String small = env.settings.bridgeSubnet().replace("/16", "/23");
    NetworkSettings tiny = ImmutableNetworkSettings.copyOf(env.settings).withBridgeSubnet(small);
    try (ContainerRuntime rt = ContainerRuntime.builder().stateRoot(env.stateRoot).network(tiny).build();
        Container first = rt.container().name(env.name(8)).rootfs(Rootfs.directory(TestRootfs.busybox()))
            .network(Network.BRIDGE).command("sleep", "60").start()) {
      String second = env.name(8);
      assertThatThrownBy(() -> rt.container().name(second).rootfs(Rootfs.directory(TestRootfs.busybox()))
          .network(Network.BRIDGE).command("true").start())
          .isInstanceOf(PocException.class).hasMessageContaining("no free address in " + small);
      assertReleased(second);
    } finally {
      Files.deleteIfExists(NetworkSetup.LEASE_DIR.resolve(small.replace('/', '_') + ".leases.json"));
    }
  }

  @Test
  void aFullSubnetTakesBackTheAddressOfAContainerThatIsGone() throws Exception {
    String small = env.settings.bridgeSubnet().replace("/16", "/23");
    NetworkSettings tiny = ImmutableNetworkSettings.copyOf(env.settings).withBridgeSubnet(small);
    Path elsewhere = TestRootfs.stateRoot(); // a state root no runtime will reopen soon
    String gone = env.name(8);
    Process child = startChild(elsewhere, tiny, false, gone);
    try {
      String address = readStarted(child).get(gone)[1];
      int helper = helperPid(elsewhere.resolve("run").resolve(gone));
      child.destroyForcibly();
      child.waitFor();
      awaitGone(helper);
      assertThat(leases(tiny.bridgePool())).contains(gone);
      String next = env.name(8);
      try (ContainerRuntime rt = ContainerRuntime.builder().stateRoot(env.stateRoot).network(tiny).build();
          Container c = rt.container().name(next).rootfs(Rootfs.directory(TestRootfs.busybox()))
              .network(Network.BRIDGE).command("sleep", "60").start()) {
        assertThat(c.address()).contains(address);
        assertThat(leases(tiny.bridgePool())).doesNotContain(gone).contains(next);
        try (Rtnetlink nl = Rtnetlink.open()) {
          assertThat(nl.link(InterfaceNames.hostVeth(gone))).as("the gone container's veth").isEmpty();
        }
        assertThat(NetnsNames.DIR.resolve(InterfaceNames.netns(gone))).doesNotExist();
      }
      ContainerRuntime.builder().stateRoot(elsewhere).network(tiny).build().close(); // reclaims the rest quietly
      assertThat(elsewhere.resolve("run").resolve(gone)).doesNotExist();
    } finally {
      child.destroyForcibly();
      NetworkSetup.removeLeftovers(gone); // in case an assertion failed midway
      Files.deleteIfExists(NetworkSetup.LEASE_DIR.resolve(small.replace('/', '_') + ".leases.json"));
    }
  }

  @Test
  void networkSetupCostPerStart() throws Exception {
    for (String variant : List.of("net-bridge", "net-bridge -p 0:80", "net-default", "net-disabled")) {
      Network mode = Network.fromCliName(variant.split(" ")[0]);
      List<Long> net = new ArrayList<>();
      List<Long> total = new ArrayList<>();
      for (int i = 0; i < 21; i++) {
        long t0 = System.nanoTime();
        ContainerSpec.Builder b = env.container(env.name(8), mode).command("true");
        if (variant.contains("-p")) {
          b.publish(0, 80); // its DNAT rules: one iptables-save and one iptables-restore at start, again at release
        }
        try (Container c = b.start()) {
          total.add((System.nanoTime() - t0) / 1000);
          net.add(networkMicros(c));
          c.waitFor();
        }
      }
      Collections.sort(net);
      Collections.sort(total);
      System.out.printf("%s: network setup median %d us (p90 %d), whole start median %d us%n",
          variant, net.get(10), net.get(18), total.get(10));
      if (!variant.contains("-p")) { // published ports are measured, not budgeted (two iptables runs)
        assertThat(net.get(10)).as("median network setup of %s in us", mode).isLessThan(20_000);
      }
    }
  }

  // --- helpers ---

  private static long networkMicros(Container c) {
    return c.attachments().stream().filter(NetworkAttachment.class::isInstance).map(NetworkAttachment.class::cast)
        .mapToLong(n -> (n.prepareNanos() + n.attachNanos()) / 1000).sum();
  }

  private void assertHeld(String name) throws IOException {
    try (Rtnetlink nl = Rtnetlink.open()) {
      assertThat(nl.link(InterfaceNames.hostVeth(name))).as("host veth of %s", name).isPresent();
    }
    assertThat(NetnsNames.DIR.resolve(InterfaceNames.netns(name))).exists();
    assertThat(leases()).contains(name);
  }

  private void assertReleased(String name) throws IOException, InterruptedException {
    env.setup().awaitReleases(); // the veth goes in the background, then its address
    try (Rtnetlink nl = Rtnetlink.open()) {
      assertThat(nl.link(InterfaceNames.hostVeth(name))).as("host veth of %s", name).isEmpty();
    }
    assertThat(NetnsNames.DIR.resolve(InterfaceNames.netns(name))).doesNotExist();
    assertThat(NetEnv.run("ip", "netns")).doesNotContain(InterfaceNames.netns(name) + "\n", InterfaceNames.netns(name) + " ");
    assertThat(leases()).doesNotContain(name);
    assertThat(env.rt.runDir(name)).doesNotExist();
    assertThat(portRules(name)).as("published-port rules of %s", name).isEmpty();
  }

  /** The host's iptables rules that publish a port of container {@code name}. */
  private static List<String> portRules(String name) throws IOException, InterruptedException {
    List<String> rules = new ArrayList<>();
    for (String table : List.of("nat", "filter")) {
      NetEnv.run("iptables", "-t", table, "-S").lines().filter(l -> l.contains("poc-port:" + name)).forEach(rules::add);
    }
    return rules;
  }

  private String bridgeGateway() {
    return env.settings.bridgePool().address(1, 1);
  }

  /** A DEFAULT container's host end: .1 of its /24. */
  private static String defaultGateway(String address) {
    return address.substring(0, address.lastIndexOf('.')) + ".1";
  }

  private List<String> leases() throws IOException {
    return leases(env.settings.defaultPool(), env.settings.bridgePool());
  }

  private static List<String> leases(Ipv4Subnet... pools) throws IOException {
    List<String> names = new ArrayList<>();
    for (Ipv4Subnet s : pools) {
      new AddressAllocator(NetworkSetup.LEASE_DIR, s).leases().forEach(l -> names.add(l.name()));
    }
    return names;
  }

  private int helperPid(String name) {
    return helperPid(env.rt.runDir(name));
  }

  private static int helperPid(Path runDir) {
    return ((Number) RunState.read(runDir).orElseThrow().get("helperPid")).intValue();
  }

  private static void awaitGone(int pid) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (Posix.isAlive(pid) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(Posix.isAlive(pid)).as("process %d still alive", pid).isFalse();
  }

  private Process startChild(boolean detached, String... names) throws Exception {
    return startChild(env.stateRoot, env.settings, detached, names);
  }

  private static Process startChild(Path stateRoot, NetworkSettings s, boolean detached, String... names) throws Exception {
    List<String> args = new ArrayList<>(List.of(stateRoot.toString(), TestRootfs.busybox().toString(),
        s.defaultSubnet(), s.bridgeSubnet(), s.bridgeName(), s.chainPrefix(), Boolean.toString(detached)));
    for (int i = 0; i < names.length; i++) {
      args.add(names[i]);
      args.add(i % 2 == 0 ? "BRIDGE" : "DEFAULT");
    }
    return ChildJvm.start(NetworkChild.class, args.toArray(String[]::new));
  }

  /** Name to {"STARTED", name, address, hostPort}... fields, once the child says READY. */
  private static Map<String, String[]> readStarted(Process child) throws IOException {
    Map<String, String[]> started = new java.util.HashMap<>();
    BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = r.readLine()) != null && !line.equals("READY")) {
      String[] f = line.split(" ");
      if (f[0].equals("STARTED")) {
        started.put(f[1], new String[] {f[1], f[2], f[3]});
      }
    }
    if (line == null) {
      throw new AssertionError("child JVM ended early: " + new String(child.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }
    return started;
  }

  private static int count(String text, String prefix) {
    return (int) text.lines().filter(l -> l.startsWith(prefix)).count();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static String httpGet(String host, int port, String path) throws Exception {
    return RawHttp.get(host, port, path);
  }

  private static String output(Container c) throws Exception {
    String out = new String(c.stdout().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(c.stderr().readAllBytes(), StandardCharsets.UTF_8);
    c.waitFor();
    return out + (err.isEmpty() ? "" : "\nstderr: " + err);
  }

  private static List<String> linesUntil(Container c, String marker) throws IOException {
    BufferedReader r = new BufferedReader(new InputStreamReader(c.stdout(), StandardCharsets.UTF_8));
    List<String> lines = new ArrayList<>();
    String line;
    while ((line = r.readLine()) != null) {
      lines.add(line);
      if (line.equals(marker)) {
        return lines;
      }
    }
    throw new AssertionError("no " + marker + " in " + lines + "; stderr: "
        + new String(c.stderr().readAllBytes(), StandardCharsets.UTF_8));
  }
}
