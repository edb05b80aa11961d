package dev.poc.network;

import dev.poc.ContainerSpec;
import dev.poc.InvalidSpecException;
import dev.poc.Namespace;
import dev.poc.Network;
import dev.poc.NetworkSettings;
import dev.poc.namespace.NetnsNames;
import dev.poc.network.dns.DnsResponder;
import dev.poc.spi.Attachment;
import dev.poc.spi.HostSetup;
import dev.poc.spi.NetworkFacts;
import dev.poc.spi.StartContext;
import dev.poc.state.NameLock;
import dev.poc.state.RunState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects containers as their spec's {@link Network} says. Every container with a network
 * namespace of its own gets it named {@code netns_NAME}; DEFAULT and BRIDGE containers also get
 * an address leased from the runtime's {@link NetworkSettings}, a veth pair made over rtnetlink
 * (the peer born in the container's namespace under its final name), poc's iptables chains, and
 * DNAT rules for their published ports ({@link PortForwards}). Everything is released when the container ends, and by
 * {@link #reclaim} after a crash: the interface and netns names follow from the container's
 * name, and its lease is the one that names its run directory as owner.
 */
public final class NetworkSetup implements HostSetup {
  private static final Logger LOG = LoggerFactory.getLogger(NetworkSetup.class);
  /** Leases are host-wide, like the addresses and interfaces they stand for. */
  public static final Path LEASE_DIR = Path.of("/run/poc/net");
  private static final Path IP_FORWARD = Path.of("/proc/sys/net/ipv4/ip_forward");

  private final NetworkSettings settings;
  private final Path leaseDir;
  private final Firewall firewall;
  private final PortForwards forwards;
  private final AddressAllocator defaultPool;
  private final AddressAllocator bridgePool;
  private final AddressAllocator.Janitor janitor = new LeftoverJanitor();
  /** A named network's members (null for the runtime's own modes). */
  private final NetworkMembers members;
  /** Shared with the runtime's named networks, so a start of a name settles its release on any of them. */
  private final VethReaper reaper;
  /** The runtime's DNS responders, one per named network it has containers on; shared like the reaper. */
  private final DnsResponder dns;
  private volatile boolean forwarding;

  public NetworkSetup(NetworkSettings settings) {
    this(settings, LEASE_DIR);
  }

  public NetworkSetup(NetworkSettings settings, Path leaseDir) {
    this(settings, leaseDir, null, null, null, new VethReaper(), new DnsResponder());
  }

  /**
   * The setup of a named network: its containers join {@code members}, and its firewall drops
   * what leaves its bridge for the rest of {@code isolatedPool} (the other named networks) and for
   * the subnets of {@code neighbour} (the runtime's own modes).
   */
  NetworkSetup(NetworkSettings settings, Path leaseDir, NetworkMembers members, Ipv4Subnet isolatedPool,
      NetworkSettings neighbour, VethReaper reaper, DnsResponder dns) {
    this.reaper = reaper;
    this.dns = dns;
    this.settings = settings;
    this.leaseDir = leaseDir;
    this.members = members;
    this.firewall = isolatedPool == null ? new Firewall(settings) : new Firewall(settings, isolatedPool, neighbour);
    this.forwards = new PortForwards(settings);
    this.defaultPool = new AddressAllocator(leaseDir, Subnets.defaultPool(settings));
    this.bridgePool = new AddressAllocator(leaseDir, Subnets.bridgePool(settings));
  }

  public NetworkSettings settings() {
    return settings;
  }

  @Override
  public Attachment prepare(StartContext ctx) throws IOException {
    long t0 = System.nanoTime();
    reaper.settle(ctx.name()); // an earlier run of this name may still hold its veth's name
    ContainerSpec spec = ctx.spec();
    Network mode = spec.network();
    if (!spec.namespaces().contains(Namespace.NET) || mode == Network.DISABLED) {
      if (!spec.ports().isEmpty()) {
        throw new InvalidSpecException("container '" + spec.name() + "' publishes ports but its network is "
            + mode.cliName() + ": use Network.DEFAULT or Network.BRIDGE");
      }
      return spec.namespaces().contains(Namespace.NET) ? new NetworkAttachment(ctx.name()) : Attachment.none();
    }
    firewall.ensure(mode);
    enableForwarding();
    AddressAllocator pool = mode == Network.DEFAULT ? defaultPool : bridgePool;
    Ipv4Subnet subnet = pool.subnet();
    String owner = owner(ctx.runDir());
    int bridgeIndex = 0;
    AddressAllocator.Lease lease;
    // One socket for the whole start: it goes to the attachment, which makes and deletes the veth with it.
    Rtnetlink nl = Rtnetlink.open();
    try {
      IntPredicate busy = slot -> false;
      if (mode != Network.DEFAULT) { // BRIDGE or a named network
        bridgeIndex = Bridge.ensure(nl, settings);
      } else {
        busy = usedOnHost(nl.addresses(), subnet);
      }
      lease = pool.acquire(ctx.name(), owner, busy, janitor);
    } catch (IOException | RuntimeException e) {
      nl.close();
      throw e;
    }
    NetworkAttachment.Addressing a = addressing(mode, subnet, lease.slot(), bridgeIndex);
    NetworkAttachment attachment = new NetworkAttachment(ctx.name(), mode, a, pool, lease, nl, reaper);
    try {
      Map<Integer, Integer> hostPorts = attachment.publish(forwards, spec.ports(), settings.bridgeName());
      ctx.publish(NetworkFacts.class, new NetworkFacts(a.address(), a.gateway(), hostPorts));
      ctx.plan().network(InterfaceNames.peerVeth(ctx.name()), a.address(), a.prefix(), a.gateway());
      if (members != null) {
        ctx.publish(NetworkMembers.class, members); // the /etc files join it (EtcFiles)
      }
    } catch (IOException | RuntimeException e) {
      attachment.close();
      throw e;
    }
    attachment.preparedIn(System.nanoTime() - t0);
    if (members == null) {
      return attachment;
    }
    AutoCloseable answering;
    try {
      // bound before the container runs, unless another process answers for the network already
      answering = dns.serve(a.gateway(), members.dnsLock(), members::names);
    } catch (IOException | RuntimeException e) {
      attachment.close();
      throw e;
    }
    return new Membership(attachment, members, ctx.name(), a.address(), answering);
  }

  /** DEFAULT: host end .N.1/24, container .N.2/24. BRIDGE: container .N.2 with the bridge's prefix. */
  private NetworkAttachment.Addressing addressing(Network mode, Ipv4Subnet subnet, int slot, int bridgeIndex) {
    String address = subnet.address(slot, 2);
    return mode == Network.DEFAULT
        ? new NetworkAttachment.Addressing(address, 24, subnet.address(slot, 1), 0)
        : new NetworkAttachment.Addressing(address, subnet.prefix(), Subnets.bridgeGateway(settings), bridgeIndex);
  }

  /** Slots of {@code subnet} whose /24 an address of the host's already covers. */
  private static IntPredicate usedOnHost(List<Rtnetlink.Address> addresses, Ipv4Subnet subnet) {
    return slot -> addresses.stream().anyMatch(a -> subnet.slotOverlaps(slot, a.address(), a.prefix()));
  }

  private void enableForwarding() throws IOException {
    if (forwarding) {
      return;
    }
    if (!Files.readString(IP_FORWARD).trim().equals("1")) {
      Files.writeString(IP_FORWARD, "1\n");
      LOG.info("turned on IPv4 forwarding (net.ipv4.ip_forward=1) so poc's containers reach beyond the host");
    }
    forwarding = true;
  }

  private static String owner(Path runDir) {
    return runDir.toAbsolutePath().normalize().toString();
  }

  /**
   * Waits until the veths of every container this setup released are deleted and their addresses
   * free (see {@link VethReaper}), running the pending deletions in this thread.
   */
  public void awaitReleases() {
    reaper.drain();
  }

  /** How many released containers still wait for their veth to be deleted and their address freed. */
  public int pendingReleases() {
    return reaper.pending();
  }

  /** The setup of a named network, sharing this one's release queue (see {@link UserNetworks}). */
  NetworkSetup named(NetworkSettings namedSettings, NetworkMembers members, Ipv4Subnet isolatedPool) {
    return new NetworkSetup(namedSettings, leaseDir, members, isolatedPool, settings, reaper, dns);
  }

  /**
   * Takes back the leases of containers of {@code stateRoot} whose run directory is gone (a JVM
   * died after the container ended but before its veth was deleted), deleting what they left.
   * Runs as a runtime opens; leases of other state roots are theirs to reclaim. This JVM's own
   * pending releases are finished first: their run directories are gone too, but their containers
   * were released, not left, and taking their leases here deleted their veths a second time and
   * said each was a container "which is gone" (a prune right after a burst of bridged starts).
   */
  public void reclaimLeftLeases(Path stateRoot) throws IOException {
    reaper.drain();
    String runs = owner(stateRoot.resolve("run")) + "/";
    java.util.function.Predicate<AddressAllocator.Lease> left =
        l -> l.owner().startsWith(runs) && !Files.exists(Path.of(l.owner()));
    for (AddressAllocator pool : List.of(defaultPool, bridgePool)) {
      if (pool.mayMention(runs)) {
        pool.reclaimAll(janitor, left);
      }
    }
  }

  @Override
  public void reclaim(String name, Path runDir) throws IOException {
    removeLeftovers(name);
    AddressAllocator.releaseEverywhere(leaseDir, name, owner(runDir));
  }

  /**
   * What {@link #reclaim} of {@code name} acts on only when it exists, for a process that releases a
   * container without a JVM (poc-oci's native front) and must leave such a container to this class:
   * its published ports' record and its host veth (under /sys/class/net). Its netns name
   * ({@link NetnsNames}) is the one thing reclaim removes from a container without either; its lease,
   * if any, is in a file of {@link #leaseDir} that names its run directory.
   */
  public static List<Path> reclaimedOnlyIfPresent(String name) {
    return List.of(PortForwards.record(name), Path.of("/sys/class/net", InterfaceNames.hostVeth(name)));
  }

  /** The directory of the lease files ({@code SUBNET.leases.json}) {@link #reclaim} releases from. */
  public Path leaseDir() {
    return leaseDir;
  }

  /**
   * Removes poc's bridge and chains, after reclaiming the leases of containers that are gone.
   * While a container still uses the network (of any runtime with these settings) both stay.
   */
  @Override
  public void prune() throws IOException {
    reaper.drain();
    defaultPool.reclaimAll(janitor);
    bridgePool.reclaimAll(janitor);
    removeOrphanNetnsNames();
    List<String> users = new ArrayList<>();
    defaultPool.leases().forEach(l -> users.add(l.name()));
    bridgePool.leases().forEach(l -> users.add(l.name()));
    if (!users.isEmpty()) {
      LOG.warn("prune keeps bridge {} and chains {}-*: containers {} still use them",
          settings.bridgeName(), settings.chainPrefix(), users);
      return;
    }
    try (Rtnetlink nl = Rtnetlink.open()) {
      Bridge.prune(nl, settings);
    }
    firewall.prune();
    forwards.prune();
    defaultPool.removeIfUnused(); // their lease files too: nothing of these settings is left
    bridgePool.removeIfUnused();
  }

  /**
   * Removes what is left of containers that ended where no runtime will look: a detached one killed
   * from outside leaves its run dir in a state root that may never be opened again, and one without
   * an address has no lease that {@link #prune} would find. Its netns name outlives it; a name whose
   * container name is free and whose namespace holds no process is such a leftover.
   */
  private static void removeOrphanNetnsNames() throws IOException {
    for (String name : NetnsNames.withoutProcess()) {
      Optional<NameLock> lock = NameLock.tryAcquire(name);
      if (lock.isEmpty()) {
        continue; // a JVM is starting or running it
      }
      try (NameLock held = lock.get()) {
        LOG.info("removing the netns name and veth of '{}', which is gone", name);
        removeLeftovers(name);
      }
    }
  }

  /**
   * Deletes {@code name}'s published-port rules, host veth (only if poc made it) and netns name;
   * the caller holds the name.
   */
  public static void removeLeftovers(String name) throws IOException {
    PortForwards.remove(name, dev.poc.host.Tool.searchDirs());
    String hostIf = InterfaceNames.hostVeth(name);
    try (Rtnetlink nl = Rtnetlink.open()) {
      Optional<Rtnetlink.Link> link = nl.link(hostIf);
      if (link.isPresent() && link.get().alias().equals(NetworkAttachment.alias(name))) {
        nl.deleteLink(hostIf);
      }
    }
    NetnsNames.unbind(InterfaceNames.netns(name));
  }

  /**
   * A named network's container: leaves the network's members as its attachment closes, and
   * releases its hold on the network's DNS responder.
   */
  private record Membership(NetworkAttachment attachment, NetworkMembers members, String name, String address,
      AutoCloseable answering) implements Attachment {
    @Override
    public void onCreated(int initPid) throws IOException {
      attachment.onCreated(initPid);
    }

    @Override
    public void close() {
      try {
        members.leave(name, address);
      } catch (IOException | RuntimeException e) {
        LOG.warn("removing '{}' from its network's names failed: {}", name, e.toString());
      }
      try {
        answering.close();
      } catch (Exception e) {
        LOG.warn("releasing the DNS responder of '{}' failed: {}", name, e.toString());
      }
      attachment.close();
    }

    @Override
    public String toString() {
      return attachment.toString();
    }
  }

  /** Reclaims leases of containers that are gone: no process holds the name, no helper runs it. */
  private static final class LeftoverJanitor implements AddressAllocator.Janitor {
    @Override
    public void cleanUp(AddressAllocator.Lease lease) {
      try {
        removeLeftovers(lease.name());
      } catch (IOException e) {
        LOG.warn("removing what '{}' left on the network failed: {}", lease.name(), e.toString());
      }
    }

    @Override
    public boolean reclaimIfGone(AddressAllocator.Lease lease) {
      Optional<NameLock> lock;
      try {
        lock = NameLock.tryAcquire(lease.name());
      } catch (IOException e) {
        return false;
      }
      if (lock.isEmpty()) {
        return false; // a JVM runs it
      }
      try (NameLock held = lock.get()) {
        boolean detachedAlive = RunState.read(Path.of(lease.owner())).map(RunState::helperAlive).orElse(false);
        if (detachedAlive) {
          return false;
        }
        LOG.info("reclaiming the address of '{}', which is gone", lease.name());
        cleanUp(lease);
        return true;
      }
    }
  }
}
