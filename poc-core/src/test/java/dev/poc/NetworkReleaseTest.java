package dev.poc;

import dev.poc.namespace.NetnsNames;
import dev.poc.network.AddressAllocator;
import dev.poc.network.InterfaceNames;
import dev.poc.network.Ipv4Subnet;
import dev.poc.network.NetworkSetup;
import dev.poc.network.Rtnetlink;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A networked container's veth is deleted, and then its address freed, in the background after it
 * ends (see {@code VethReaper}). These tests hold that to its promises on the real kernel: no
 * address or interface name is handed out while the veth of its last user exists, the runtime's
 * close waits for what is pending, and a JVM that dies with releases pending leaves nothing that
 * the next runtime on its state root does not take back.
 */
class NetworkReleaseTest {
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
  void backToBackBridgedStartsNeverGetAnAddressWhoseLastUsersVethStillExists() throws Exception {
    String small = env.settings.bridgeSubnet().replace("/16", "/22"); // three addresses for forty starts
    NetworkSettings tiny = ImmutableNetworkSettings.copyOf(env.settings).withBridgeSubnet(small);
    String same = env.name(8);
    Map<String, List<Integer>> vethsByAddress = new LinkedHashMap<>();
    int startsWithReleasesPending = 0;
    try (ContainerRuntime rt = ContainerRuntime.builder().stateRoot(env.stateRoot).network(tiny).build()) {
      NetworkSetup setup = NetEnv.setup(rt);
      for (int i = 0; i < 40; i++) {
        String name = i % 2 == 0 ? same : env.name(12); // every other start reuses one name
        startsWithReleasesPending += setup.pendingReleases() > 0 ? 1 : 0;
        // cat runs until its stdin closes: the veth is read while the container surely holds it
        try (Container c = rt.container().name(name).rootfs(Rootfs.directory(TestRootfs.busybox()))
            .network(Network.BRIDGE).stdin(Stdio.PIPE).command("cat").start()) {
          String address = c.address().orElseThrow();
          Set<Integer> links = linkIndexes();
          List<Integer> earlier = vethsByAddress.computeIfAbsent(address, a -> new ArrayList<>());
          assertThat(earlier).as("veths of earlier holders of %s, at start %d", address, i).doesNotContainAnyElementsOf(links);
          earlier.add(Integer.parseInt(Files.readString(Path.of("/sys/class/net", InterfaceNames.hostVeth(name), "ifindex")).trim()));
          c.stdin().close();
          assertThat(c.waitFor()).isZero();
        }
      }
      assertThat(vethsByAddress).as("addresses handed out").hasSizeLessThanOrEqualTo(3);
      rt.close();
      assertThat(setup.pendingReleases()).isZero();
      assertThat(leases(Ipv4Subnet.parse(small, "test"))).as("leases after the runtime closed").isEmpty();
      Set<Integer> links = linkIndexes();
      vethsByAddress.values().forEach(v -> assertThat(links).as("veths after the runtime closed").doesNotContainAnyElementsOf(v));
    } finally {
      Files.deleteIfExists(NetworkSetup.LEASE_DIR.resolve(small.replace('/', '_') + ".leases.json"));
    }
    System.out.printf("%d of 40 starts found earlier veths still being deleted%n", startsWithReleasesPending);
  }

  @Test
  void theRuntimesCloseWaitsForTheVethsAndAddressesOfEndedContainers() throws Exception {
    List<String> names = new ArrayList<>();
    ContainerRuntime rt = env.runtime();
    try {
      for (int i = 0; i < 8; i++) {
        String name = env.name(8);
        names.add(name);
        Network mode = i % 2 == 0 ? Network.BRIDGE : Network.DEFAULT;
        Container c = rt.container().name(name).rootfs(Rootfs.directory(TestRootfs.busybox())).network(mode)
            .command("true").start();
        assertThat(c.waitFor()).isZero();
        // its netns name and veth go on a background thread after waitFor: a start of the same name
        // at once finishes that first, and gets a netns name and veth of its own
        Container again = rt.container().name(name).rootfs(Rootfs.directory(TestRootfs.busybox())).network(mode)
            .command("true").start();
        assertThat(NetnsNames.DIR.resolve(InterfaceNames.netns(name))).as("the new start's netns name").exists();
        assertThat(again.waitFor()).isZero();
      }
    } finally {
      rt.close();
    }
    for (String name : names) {
      assertReleased(name);
    }
  }

  @Test
  void aJvmKilledRightAfterItsContainersEndedLeavesNothingTheNextRuntimeDoesNotTakeBack() throws Exception {
    List<String> names = List.of(env.name(8), env.name(8), env.name(30), env.name(8));
    List<String> args = new ArrayList<>(List.of(env.stateRoot.toString(), TestRootfs.busybox().toString(),
        env.settings.defaultSubnet(), env.settings.bridgeSubnet(), env.settings.bridgeName(), env.settings.chainPrefix()));
    args.addAll(names);
    Process child = ChildJvm.start(EndedChild.class, args.toArray(String[]::new));
    String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int exit = child.waitFor();
    assertThat(out).as("child's output; its errors: %s",
        new String(child.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)).contains("ENDED");
    assertThat(exit).isEqualTo(9);
    List<String> leftLeased = leases(env.settings.defaultPool(), env.settings.bridgePool());
    try (ContainerRuntime again = env.runtime()) {
      for (String name : names) {
        assertReleased(name);
      }
    }
    System.out.printf("the killed JVM left the addresses of %s leased%n", leftLeased);
  }

  /**
   * Starts the given containers one after the other (BRIDGE and DEFAULT in turn), each running
   * {@code true}, waits for each, and halts the JVM the moment the last has ended: no shutdown hook
   * runs, as after a SIGKILL. Args: stateRoot busybox defaultSubnet bridgeSubnet bridgeName chainPrefix names...
   */
  static final class EndedChild {
    public static void main(String[] a) throws Exception {
      NetworkSettings s = NetworkSettings.builder().defaultSubnet(a[2]).bridgeSubnet(a[3]).bridgeName(a[4])
          .chainPrefix(a[5]).build();
      ContainerRuntime rt = ContainerRuntime.builder().stateRoot(Path.of(a[0])).network(s).build();
      for (int i = 6; i < a.length; i++) {
        Container c = rt.container().name(a[i]).rootfs(Rootfs.directory(Path.of(a[1])))
            .network(i % 2 == 0 ? Network.BRIDGE : Network.DEFAULT).command("true")
            .stdin(Stdio.DISCARD).stdout(Stdio.DISCARD).stderr(Stdio.DISCARD).start();
        if (c.waitFor() != 0) {
          throw new IllegalStateException(a[i] + " failed");
        }
      }
      System.out.println("ENDED");
      System.out.flush();
      Runtime.getRuntime().halt(9);
    }
  }

  private void assertReleased(String name) throws IOException, InterruptedException {
    try (Rtnetlink nl = Rtnetlink.open()) {
      assertThat(nl.link(InterfaceNames.hostVeth(name))).as("host veth of %s", name).isEmpty();
    }
    assertThat(NetnsNames.DIR.resolve(InterfaceNames.netns(name))).doesNotExist();
    assertThat(leases(env.settings.defaultPool(), env.settings.bridgePool())).doesNotContain(name);
    assertThat(env.stateRoot.resolve("run").resolve(name)).doesNotExist();
  }

  private static List<String> leases(Ipv4Subnet... pools) throws IOException {
    List<String> names = new ArrayList<>();
    for (Ipv4Subnet s : pools) {
      new AddressAllocator(NetworkSetup.LEASE_DIR, s).leases().forEach(l -> names.add(l.name()));
    }
    return names;
  }

  /** The interface index of every link of the host's namespace. */
  private static Set<Integer> linkIndexes() throws IOException {
    Set<Integer> indexes = new HashSet<>();
    try (Stream<Path> links = Files.list(Path.of("/sys/class/net"))) {
      for (Path link : links.toList()) {
        try {
          indexes.add(Integer.parseInt(Files.readString(link.resolve("ifindex")).trim()));
        } catch (IOException e) {
          // deleted meanwhile: gone from sysfs (ENOENT), or going while it is read (EINVAL)
        }
      }
    }
    return indexes;
  }
}
