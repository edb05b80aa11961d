package dev.poc.cni;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poc.Container;
import dev.poc.ContainerRuntime;
import dev.poc.Network;
import dev.poc.Rootfs;
import dev.poc.Stdio;
import dev.poc.junit.BusyboxRootfs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CniNetwork} with Debian's CNI plugins ({@code /usr/lib/cni}: bridge + host-local): two
 * containers on a bridge of the test's own, on a private /24 of the test's own, talk over TCP; CNI
 * DEL on release and on reclaim leaves no lease and no interface. The plugins' lease directory is
 * under the test's temp dir; the bridge the plugin made is deleted at the end.
 */
class CniNetworkIT {
  static final Path PLUGINS = Path.of("/usr/lib/cni");
  static final String STRATEGY = "cni-test";

  @TempDir
  Path tmp;
  String tag;
  String bridge;
  String subnetPrefix; // "10.250.N."
  Path leaseDir;
  Path rootfs;
  String config;

  @BeforeEach
  void setUp() throws Exception {
    tag = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6);
    bridge = "pcni" + tag;
    subnetPrefix = freeSubnetPrefix();
    leaseDir = tmp.resolve("ipam");
    rootfs = BusyboxRootfs.make(tmp.resolve("rootfs"));
    Files.writeString(rootfs.resolve("www/index.html"), "hello over cni " + tag + "\n");
    // No gateway and no masquerading: the containers reach each other on the bridge and nothing
    // else, and the plugin changes no sysctl or iptables rule of the host.
    config = """
        {"cniVersion": "1.0.0", "name": "poc-test-%s", "type": "bridge", "bridge": "%s",
         "isGateway": false, "ipMasq": false,
         "ipam": {"type": "host-local", "ranges": [[{"subnet": "%s0/24"}]], "dataDir": "%s"}}
        """.formatted(tag, bridge, subnetPrefix, leaseDir);
  }

  @AfterEach
  void removeBridge() throws Exception {
    if (sh("ip", "-o", "link", "show", "dev", bridge).contains(bridge)) {
      sh("ip", "link", "del", bridge); // the plugin made it for this test
    }
  }

  /** A 10.250.N.0/24 that no address of the host's falls in. */
  private static String freeSubnetPrefix() throws Exception {
    String addresses = sh("ip", "-4", "-o", "addr");
    for (;;) {
      String prefix = "10.250." + ThreadLocalRandom.current().nextInt(256) + ".";
      if (!addresses.contains(" " + prefix)) {
        return prefix;
      }
    }
  }

  private static String sh(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }

  /** Lease files host-local keeps, one per address in use, named by the address. */
  private List<String> leases() throws IOException {
    Path dir = leaseDir.resolve("poc-test-" + tag);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith(subnetPrefix)).sorted().toList();
    }
  }

  private List<String> portsOnBridge() throws Exception {
    List<String> ports = new ArrayList<>();
    for (String line : sh("ip", "-o", "link", "show", "master", bridge).split("\n")) {
      if (!line.isBlank() && !line.contains("does not exist")) {
        ports.add(line.trim());
      }
    }
    return ports;
  }

  @Test
  void twoContainersOnACniBridgeTalkOverTcpAndLeaveNothingBehind() throws Exception {
    CniNetwork cni = CniNetwork.of(STRATEGY, PLUGINS, config);
    try (ContainerRuntime rt = ContainerRuntime.builder().stateRoot(tmp.resolve("state")).network(cni).build()) {
      try (Container server = rt.container().name("cnisrv-" + tag).rootfs(Rootfs.directory(rootfs))
          .network(Network.custom(STRATEGY)).command("httpd", "-f", "-p", "8080", "-h", "/www")
          .stdin(Stdio.DISCARD).stdout(Stdio.DISCARD).stderr(Stdio.DISCARD).start()) {
        String address = server.address().orElseThrow();
        assertThat(address).as("the server's address, from the plugin's result").startsWith(subnetPrefix);
        assertThat(leases()).containsExactly(address);
        assertThat(portsOnBridge()).hasSize(1);

        // httpd may not listen yet: the client tries until it does (the container ends either way)
        String script = "for i in $(seq 1 200); do wget -q -O - http://" + address + ":8080/index.html && exit 0;"
            + " sleep 0.05; done; exit 1";
        try (Container client = rt.container().name("cnicli-" + tag).rootfs(Rootfs.directory(rootfs))
            .network(Network.custom(STRATEGY)).command("sh", "-c", script).start()) {
          String clientAddress = client.address().orElseThrow();
          assertThat(clientAddress).startsWith(subnetPrefix).isNotEqualTo(address);
          String page = new String(client.stdout().readAllBytes(), StandardCharsets.UTF_8);
          assertThat(client.waitFor()).as(new String(client.stderr().readAllBytes(), StandardCharsets.UTF_8)).isZero();
          assertThat(page).isEqualTo("hello over cni " + tag + "\n");
        }
        assertThat(leases()).as("the client's lease, after CNI DEL at its release").containsExactly(address);
      }
      assertThat(leases()).as("leases after both containers were released").isEmpty();
      assertThat(portsOnBridge()).as("veths on bridge " + bridge).isEmpty();
    }
  }

  @Test
  void aContainerWhoseJvmDiedIsDeletedFromTheNetworkByTheNextRuntime() throws Exception {
    Path state = tmp.resolve("state");
    Path configFile = Files.writeString(tmp.resolve("cni.json"), config);
    String name = "cnicrash-" + tag;
    String java = ProcessHandle.current().info().command().orElse("java");
    Process jvm = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Child.class.getName(),
        state.toString(), rootfs.toString(), configFile.toString(), name).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String line;
    try {
      line = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8)).readLine();
    } finally {
      jvm.destroyForcibly(); // SIGKILL: its runtime releases nothing
      jvm.waitFor();
    }
    assertThat(line).as("the child JVM's report").startsWith("ADDRESS " + subnetPrefix);
    String address = line.substring("ADDRESS ".length());
    assertThat(leases()).as("the dead JVM's container still holds its address").containsExactly(address);

    try (ContainerRuntime rt = ContainerRuntime.builder().stateRoot(state).network(CniNetwork.of(STRATEGY, PLUGINS, config)).build()) {
      assertThat(leases()).as("leases after the next runtime reclaimed").isEmpty();
      assertThat(state.resolve("run").resolve(name)).doesNotExist();
    }
    // the kernel deletes the veth pair once the dead container's namespace is freed, asynchronously
    for (int i = 0; i < 500 && !portsOnBridge().isEmpty(); i++) {
      Thread.sleep(10);
    }
    assertThat(portsOnBridge()).as("veths on bridge " + bridge).isEmpty();
  }

  /** Starts a sleeping container on the CNI network, prints its address, waits to be killed. */
  public static final class Child {
    private Child() {}

    public static void main(String[] args) throws Exception {
      CniNetwork cni = CniNetwork.of(STRATEGY, PLUGINS, Files.readString(Path.of(args[2])));
      ContainerRuntime rt = ContainerRuntime.builder().stateRoot(Path.of(args[0])).network(cni).build();
      Container c = rt.container().name(args[3]).rootfs(Rootfs.directory(Path.of(args[1])))
          .network(Network.custom(STRATEGY)).command("sleep", "1000")
          .stdin(Stdio.DISCARD).stdout(Stdio.DISCARD).stderr(Stdio.DISCARD).start();
      System.out.println("ADDRESS " + c.address().orElse("none"));
      System.out.flush();
      Thread.sleep(Long.MAX_VALUE);
    }
  }
}
