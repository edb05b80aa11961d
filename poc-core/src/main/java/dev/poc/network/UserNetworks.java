package dev.poc.network;

import dev.poc.host.Directories;
import dev.poc.InvalidSpecException;
import dev.poc.Network;
import dev.poc.NetworkSettings;
import dev.poc.NotFoundException;
import dev.poc.PocException;
import dev.poc.host.Flock;
import dev.poc.spi.Attachment;
import dev.poc.spi.HostSetup;
import dev.poc.spi.StartContext;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The user-defined networks of one state root ({@link Network#named}). Each is recorded in
 * {@code STATE_ROOT/networks/NAME/} (its number, its members) and is a bridge and subnet of its
 * own: number K (0..15) is bridge {@code pocnK} at {@code 10.210.(16K).0/20}, with iptables chains
 * {@code POCNK-*}, from the pool {@value #POOL}, which lies clear of the default
 * {@code 10.100/16} and {@code 10.200/16} and of the test ranges. Containers attach to it as to
 * {@link Network#BRIDGE}, find each other through the network's DNS responder on its gateway
 * ({@link dev.poc.network.dns.DnsResponder}) and their /etc/hosts ({@link NetworkMembers}), and
 * cannot reach the members of another named network or the runtime's own modes' containers: each
 * network's chain drops what leaves its bridge for the rest of the pool and the runtime's subnets.
 *
 * <p>Numbers are taken under a host-wide lock, skipping those whose bridge exists (another state
 * root's network) or whose subnet a host address covers. Removing a network (or pruning the state
 * root) deletes its bridge, chains, lease file and record; a network whose containers died with
 * their JVM is cleaned when a runtime opens the state root again.
 */
public final class UserNetworks implements HostSetup {
  private static final Logger LOG = LoggerFactory.getLogger(UserNetworks.class);
  /** Where named networks' subnets come from: sixteen /20s. */
  public static final String POOL = "10.210.0.0/16";
  private static final Ipv4Subnet POOL_SUBNET = Ipv4Subnet.parse(POOL, "named network pool");
  private static final int COUNT = 16;
  private static final Path LOCK = NetworkSetup.LEASE_DIR.resolve("networks.lock");

  private final Path dir;
  /** The runtime's own setup: named networks share its release queue. */
  private final NetworkSetup main;
  private final Map<String, NetworkSetup> setups = new ConcurrentHashMap<>();

  public UserNetworks(Path stateRoot, NetworkSetup main) {
    this.dir = stateRoot.resolve("networks");
    this.main = main;
  }

  /** What {@code poc network ls} shows of one network. */
  public record Info(String name, String subnet, String bridge, List<String> containers) {}

  /** Creates network {@code name}: records it and makes its bridge. Fails if it exists. */
  public Info create(String name) throws IOException {
    Network.named(name); // validates the name
    Directories.ensure(LOCK.getParent());
    try (Flock held = Flock.lock(LOCK)) {
      Path netDir = dir.resolve(name);
      if (Files.exists(netDir.resolve("number"))) {
        throw new InvalidSpecException("network '" + name + "' exists already: use it, or remove it first (poc network rm "
            + name + ")");
      }
      int number = freeNumber();
      Directories.ensure(netDir);
      Files.writeString(netDir.resolve("number"), number + "\n"); // first the records, then the bridge
      Files.writeString(ownerFile(number), netDir.toAbsolutePath() + "\n");
      try (Rtnetlink nl = Rtnetlink.open()) {
        Bridge.ensure(nl, settings(number));
      } catch (IOException | RuntimeException e) {
        dev.poc.launch.Release.deleteTree(netDir);
        Files.deleteIfExists(ownerFile(number));
        throw e;
      }
      return info(name);
    }
  }

  /** The numbers in use: this state root's records, and every bridge on the host of our naming. */
  private int freeNumber() throws IOException {
    Set<Integer> taken = new HashSet<>();
    for (String n : names()) {
      number(n).ifPresent(taken::add);
    }
    try (Rtnetlink nl = Rtnetlink.open()) {
      for (int k = 0; k < COUNT; k++) {
        if (taken.contains(k)) {
          continue;
        }
        // a bridge or address there: another state root's network, one whose record is gone, or the host's
        if (inUse(nl, k) && !(reclaimedOrphan(k) && !inUse(nl, k))) {
          continue;
        }
        return k;
      }
    }
    throw new PocException("no free named network: the " + COUNT + " subnets of " + POOL
        + " are used by networks (poc network ls; those of other state roots too) or by the host's addresses."
        + " Remove a network with poc network rm NAME");
  }

  /** Whether network K's bridge exists or a host address lies in its subnet. */
  private static boolean inUse(Rtnetlink nl, int number) throws IOException {
    Ipv4Subnet subnet = subnet(number);
    return nl.link(bridgeName(number)).isPresent()
        || nl.addresses().stream().anyMatch(a -> subnet.overlaps(a.address(), a.prefix()));
  }

  /** Which network directory holds number K: {@code /run/poc/net/network-K.owner}. */
  private static Path ownerFile(int number) {
    return NetworkSetup.LEASE_DIR.resolve("network-" + number + ".owner");
  }

  /**
   * Removes what network K left when its record is gone (its state root was deleted, or a JVM died
   * between making the bridge and writing the record), so that K can be handed out again: its
   * bridge (if nothing is plugged in), chains and lease file. False when K belongs to a network
   * that still exists, or to no one poc knows.
   */
  private boolean reclaimedOrphan(int number) throws IOException {
    Path owner = ownerFile(number);
    if (!Files.exists(owner)) {
      return false;
    }
    Path netDir = Path.of(Files.readString(owner).trim());
    if (Files.exists(netDir.resolve("number")) || Bridge.hasPorts(bridgeName(number))) {
      return false;
    }
    LOG.info("reclaiming network number {} ({}): its record {} is gone", number, bridgeName(number), netDir);
    main.named(settings(number), new NetworkMembers(netDir), POOL_SUBNET).prune();
    Files.deleteIfExists(owner);
    return true;
  }

  /** The names of this state root's networks, sorted. */
  public List<String> names() throws IOException {
    List<String> names = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return names;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      for (Path p : s) {
        if (Files.exists(p.resolve("number"))) {
          names.add(p.getFileName().toString());
        }
      }
    }
    names.sort(null);
    return names;
  }

  /** Network {@code name} as {@code poc network ls} shows it. */
  public Info info(String name) throws IOException {
    int number = number(name).orElseThrow(() -> notFound(name));
    List<String> containers = new NetworkMembers(dir.resolve(name)).members().stream()
        .map(NetworkMembers.Member::container).toList();
    return new Info(name, subnet(number).toString(), bridgeName(number), containers);
  }

  /**
   * Removes network {@code name}: its bridge, chains, lease file and record. Fails while a
   * container is on it.
   */
  public void remove(String name) throws IOException {
    NetworkSetup setup = setupOf(name);
    setup.awaitReleases();
    try (Flock held = Flock.lock(LOCK)) {
      setup.reclaimLeftLeases(dir.getParent());
      List<String> users = leased(setup);
      if (!users.isEmpty()) {
        throw new InvalidSpecException("network '" + name + "' still has containers " + users
            + ": stop or remove them first (poc rm -f NAME)");
      }
      setup.prune();
      try (Rtnetlink nl = Rtnetlink.open()) {
        if (nl.link(setup.settings().bridgeName()).isPresent()) {
          throw new PocException("the bridge " + setup.settings().bridgeName() + " of network '" + name
              + "' still has interfaces plugged in: stop what uses it, then remove the network again");
        }
      }
      dev.poc.launch.Release.deleteTree(dir.resolve(name));
      Files.deleteIfExists(ownerFile(number(setup)));
      setups.remove(name);
      LOG.info("removed network '{}' ({})", name, setup.settings().bridgeName());
    }
  }

  /** The number of a network from its bridge's name. */
  private static int number(NetworkSetup setup) {
    return Integer.parseInt(setup.settings().bridgeName().substring("pocn".length()));
  }

  /** Waits until the veths and addresses of every named network's ended containers are released. */
  public void awaitReleases() {
    setups.values().forEach(NetworkSetup::awaitReleases);
  }

  /** The containers holding an address on {@code setup}'s network; none when nothing was ever leased there. */
  private static List<String> leased(NetworkSetup setup) throws IOException {
    AddressAllocator pool = new AddressAllocator(NetworkSetup.LEASE_DIR, Subnets.bridgePool(setup.settings()));
    return pool.exists() ? pool.leases().stream().map(AddressAllocator.Lease::name).toList() : List.of();
  }

  /** The setup that attaches containers to network {@code name}. */
  public NetworkSetup setupOf(String name) throws IOException {
    NetworkSetup known = setups.get(name);
    if (known != null) {
      return known;
    }
    int number = number(name).orElseThrow(() -> notFound(name));
    return setups.computeIfAbsent(name, n -> main.named(settings(number), new NetworkMembers(dir.resolve(n)), POOL_SUBNET));
  }

  private Optional<Integer> number(String name) throws IOException {
    try {
      return Optional.of(Integer.parseInt(Files.readString(dir.resolve(name).resolve("number")).trim()));
    } catch (java.nio.file.NoSuchFileException e) {
      return Optional.empty();
    }
  }

  private NotFoundException notFound(String name) {
    String known;
    try {
      known = names().isEmpty() ? "there are none" : "there are " + String.join(", ", names());
    } catch (IOException e) {
      known = "listing them failed";
    }
    return new NotFoundException("no network '" + name + "' in " + dir.getParent() + " (" + known
        + "): create it with poc network create " + name + " (ContainerRuntime.createNetwork)");
  }

  private static String bridgeName(int number) {
    return "pocn" + number;
  }

  private static Ipv4Subnet subnet(int number) {
    return Ipv4Subnet.parse(POOL_SUBNET.address(number * 16, 0) + "/20", "named network subnet");
  }

  /** Network K's settings: its bridge, subnet and chains; the default subnet is never used. */
  static NetworkSettings settings(int number) {
    return NetworkSettings.builder()
        .bridgeName(bridgeName(number))
        .bridgeSubnet(subnet(number).toString())
        .defaultSubnet("10.211." + (number * 16) + ".0/20")
        .chainPrefix("POCN" + number)
        .build();
  }

  @Override
  public Attachment prepare(StartContext ctx) {
    throw new IllegalStateException("a named network's own NetworkSetup prepares its containers");
  }

  /** Where this state root's named networks live; {@link #reclaim} looks at nothing else. */
  public Path dir() {
    return dir;
  }

  /** Releases the leases and memberships of containers whose JVM died, in every network of this state root. */
  public void reclaimLeft() throws IOException {
    for (String name : names()) {
      NetworkSetup setup = setupOf(name);
      setup.reclaimLeftLeases(dir.getParent());
      Set<String> leased = new HashSet<>(leased(setup));
      new NetworkMembers(dir.resolve(name)).retain(leased::contains);
    }
  }

  @Override
  public void reclaim(String container, Path runDir) throws IOException {
    for (String name : names()) {
      new NetworkMembers(dir.resolve(name)).leave(container, null);
    }
  }

  /** Removes every network of this state root (prune has stopped their containers). */
  @Override
  public void prune() throws IOException {
    List<String> failures = new ArrayList<>();
    for (String name : names()) {
      try {
        remove(name);
      } catch (IOException | RuntimeException e) {
        failures.add(e.getMessage());
      }
    }
    if (!failures.isEmpty()) {
      throw new PocException("removing networks left something behind: " + String.join("; ", failures));
    }
    if (Files.isDirectory(dir)) {
      dev.poc.launch.Release.deleteTree(dir);
    }
  }
}
