package dev.poc.network;

import dev.poc.Network;
import dev.poc.PortMapping;
import dev.poc.StartFailedException;
import dev.poc.namespace.NetnsNames;
import dev.poc.spi.Attachment;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One container's network on the host: its netns name and, for DEFAULT and BRIDGE, its lease,
 * veth pair and published ports ({@link PortForwards}). {@link #close} releases them all, each step
 * on its own: the port rules and the netns name at once, the veth and then the lease through the runtime's
 * {@link VethReaper}, off the caller's path.
 */
public final class NetworkAttachment implements Attachment {
  private static final Logger LOG = LoggerFactory.getLogger(NetworkAttachment.class);

  /** The container's address and prefix, its gateway, and the bridge to plug into (0: none). */
  record Addressing(String address, int prefix, String gateway, int bridgeIndex) {}

  private final String name;
  private final Network mode;
  private final Addressing addressing;
  private final AddressAllocator pool;
  private final AddressAllocator.Lease lease;
  private final VethReaper reaper;
  /** The start's rtnetlink socket (null with only loopback): makes the veth, deletes it, then closes. */
  private final Rtnetlink nl;
  /** Whether it publishes ports: its DNAT rules go before its address does. */
  private volatile boolean published;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean vethCreated;
  /** The host veth's interface index, once known: what the reaper deletes it by. */
  private volatile int vethIndex;
  private volatile boolean netnsBound;
  private long prepareNanos;
  private long attachNanos;
  private volatile long releaseNanos;

  /** A container with only loopback: nothing to do but name its netns. */
  NetworkAttachment(String name) {
    this(name, Network.DISABLED, null, null, null, null, null);
  }

  NetworkAttachment(String name, Network mode, Addressing addressing, AddressAllocator pool,
      AddressAllocator.Lease lease, Rtnetlink nl, VethReaper reaper) {
    this.name = name;
    this.mode = mode;
    this.addressing = addressing;
    this.pool = pool;
    this.lease = lease;
    this.nl = nl;
    this.reaper = reaper;
  }

  /** The alias poc gives a host veth: how it recognises its own, and how a user maps a short name back. */
  static String alias(String container) {
    return "poc:" + container;
  }

  /**
   * Publishes {@code ports} on 127.0.0.1 and the gateway through {@code forwards}; a bridge's
   * container can use them at once, a DEFAULT one once its host veth is made (see {@link #onCreated}).
   * Returns container port to host port.
   */
  Map<Integer, Integer> publish(PortForwards forwards, List<PortMapping> ports, String bridgeName) throws IOException {
    if (ports.isEmpty()) {
      return Map.of();
    }
    published = true; // from here on, close removes whatever add managed to install
    Map<Integer, Integer> hostPorts = forwards.add(name, addressing.address(), addressing.gateway(), ports);
    if (mode != Network.DEFAULT) {
      PortForwards.allowLocalnet(bridgeName);
    }
    return hostPorts;
  }

  @Override
  public void onCreated(int initPid) throws IOException {
    long t0 = System.nanoTime();
    if (mode != Network.DISABLED) {
      createVeth(initPid);
    }
    NetnsNames.bind(InterfaceNames.netns(name), initPid);
    netnsBound = true;
    attachNanos = System.nanoTime() - t0;
    LOG.debug("network of '{}' ({}): prepare {} us, attach {} us", name, mode.cliName(), prepareNanos / 1000, attachNanos / 1000);
  }

  private void createVeth(int initPid) throws IOException {
    String hostIf = InterfaceNames.hostVeth(name);
    String peer = InterfaceNames.peerVeth(name);
    try {
      nl.createVeth(hostIf, peer, initPid, addressing.bridgeIndex());
    } catch (Rtnetlink.NetlinkException e) {
      String why = e.errno() == Rtnetlink.EEXIST
          ? " — an interface of that name exists and is not this container's: remove it (ip link del " + hostIf + ")"
          : "";
      throw new StartFailedException("creating veth " + hostIf + " / " + peer + " for container '" + name + "': "
          + e.getMessage() + why, e);
    }
    vethCreated = true;
    if (published && mode == Network.DEFAULT) {
      PortForwards.allowLocalnet(hostIf); // its published ports' packets leave through it from 127.0.0.1
    }
    int index = nl.link(hostIf).orElseThrow(() -> new IOException("veth " + hostIf + " vanished")).index();
    vethIndex = index;
    nl.setAlias(index, alias(name));
    if (mode == Network.DEFAULT) {
      try {
        nl.addAddress(index, Ipv4Subnet.parseAddress(addressing.gateway(), "gateway"), 24);
      } catch (Rtnetlink.NetlinkException e) {
        throw new StartFailedException("giving " + hostIf + " address " + addressing.gateway() + "/24: " + e.getMessage(), e);
      }
    }
  }

  public long prepareNanos() {
    return prepareNanos;
  }

  public long attachNanos() {
    return attachNanos;
  }

  long releaseNanos() {
    return releaseNanos;
  }

  void preparedIn(long nanos) {
    prepareNanos = nanos;
  }

  Network mode() {
    return mode;
  }

  /**
   * Whether nothing but a new start of the same name depends on its close, which finishes it first:
   * all it releases is named after the container (the netns name, the veth, whose address the
   * reaper frees only once the veth is gone). Not so with published ports: a container of another
   * name may publish the same host port at once.
   */
  public boolean releasableLater() {
    return !published;
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    long t0 = System.nanoTime();
    if (published) {
      try {
        PortForwards.remove(name, dev.poc.host.Tool.searchDirs());
      } catch (IOException | RuntimeException e) {
        LOG.warn("removing the published ports of '{}' failed: {}", name, e.toString());
      }
    }
    // The name first: with it gone and the container's processes gone, the kernel frees the
    // namespace, and the veth with it, even if this JVM dies before the reaper gets to it.
    if (netnsBound) {
      try {
        NetnsNames.unbind(InterfaceNames.netns(name));
      } catch (IOException e) {
        LOG.warn("removing netns name {} failed: {}", InterfaceNames.netns(name), e.toString());
      }
    }
    if (vethIndex > 0) {
      reaper.submit(name, nl, vethIndex, pool, lease); // deletes the veth, then frees the address
    } else {
      releaseNow();
    }
    releaseNanos = System.nanoTime() - t0;
  }

  /** Without a veth of known index (a start that failed before it, or only loopback): nothing slow to wait for. */
  private void releaseNow() {
    if (vethCreated) {
      try {
        nl.deleteLink(InterfaceNames.hostVeth(name)); // its peer goes with it
      } catch (IOException e) {
        LOG.warn("deleting veth {} of '{}' failed: {}", InterfaceNames.hostVeth(name), name, e.toString());
      }
    }
    if (nl != null) {
      nl.close();
    }
    if (pool != null) {
      try {
        pool.release(lease);
      } catch (IOException | RuntimeException e) {
        LOG.warn("releasing the address of '{}' failed: {}", name, e.toString());
      }
    }
  }

  @Override
  public String toString() {
    return "network of '" + name + "' (" + mode.cliName() + (addressing == null ? "" : " " + addressing.address()) + ")";
  }
}
