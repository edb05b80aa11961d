package dev.poc.network;

import dev.poc.host.Directories;
import dev.poc.host.Flock;
import dev.poc.Network;
import dev.poc.NetworkSettings;
import dev.poc.StartFailedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The bridge of {@link Network#BRIDGE} containers ({@code pocbr0} at {@code 10.100.1.1/16}).
 * poc creates it on first use and marks it with the alias {@value #ALIAS}; it uses and removes
 * only a bridge carrying that mark, never one of the host's.
 */
public final class Bridge {
  static final String ALIAS = "poc bridge";

  private Bridge() {}

  /** The bridge's interface index, creating the bridge (up, with its address) when missing. */
  static int ensure(Rtnetlink nl, NetworkSettings s) throws IOException {
    String name = s.bridgeName();
    Optional<Rtnetlink.Link> link = nl.link(name);
    if (link.isEmpty() || !ALIAS.equals(link.get().alias())) {
      link = create(nl, s); // or, under the lock, see the one another thread is making
    }
    if (!ALIAS.equals(link.get().alias())) {
      throw new StartFailedException("bridge '" + name + "' exists but poc did not create it (its alias is '"
          + link.get().alias() + "', not '" + ALIAS + "'): remove it, or name poc's bridge otherwise with"
          + " NetworkSettings.bridgeName");
    }
    return link.get().index();
  }

  /** Creates the bridge under a host-wide lock, so two processes do not race to make it. */
  private static Optional<Rtnetlink.Link> create(Rtnetlink nl, NetworkSettings s) throws IOException {
    String name = s.bridgeName();
    Path lock = Path.of("/run/poc/net/bridges.lock");
    Directories.ensure(lock.getParent());
    try (Flock held = Flock.lock(lock)) {
      Optional<Rtnetlink.Link> made = nl.link(name);
      if (made.isPresent()) {
        return made; // another process made it meanwhile
      }
      Ipv4Subnet subnet = Subnets.bridgePool(s);
      for (Rtnetlink.Address a : nl.addresses()) {
        if (subnet.overlaps(a.address(), a.prefix())) {
          throw new StartFailedException("bridge subnet " + subnet + " overlaps the host's address "
              + Ipv4Subnet.format(a.address()) + "/" + a.prefix() + ": choose another range with NetworkSettings.bridgeSubnet");
        }
      }
      try {
        nl.createBridge(name);
        int index = nl.link(name).orElseThrow().index();
        nl.setAlias(index, ALIAS);
        nl.addAddress(index, Ipv4Subnet.parseAddress(Subnets.bridgeGateway(s), "bridge address"), subnet.prefix());
      } catch (IOException e) {
        nl.deleteLink(name);
        throw new StartFailedException("creating bridge " + name + " at " + Subnets.bridgeGateway(s) + "/" + subnet.prefix()
            + ": " + e.getMessage(), e);
      }
      return nl.link(name);
    }
  }

  /** Deletes poc's bridge when no interface is plugged into it any more; true when it went. */
  static boolean prune(Rtnetlink nl, NetworkSettings s) throws IOException {
    Optional<Rtnetlink.Link> link = nl.link(s.bridgeName());
    if (link.isEmpty() || !ALIAS.equals(link.get().alias()) || hasPorts(s.bridgeName())) {
      return false;
    }
    return nl.deleteLink(s.bridgeName());
  }

  public static boolean hasPorts(String bridge) throws IOException {
    Path brif = Path.of("/sys/class/net", bridge, "brif");
    if (!Files.isDirectory(brif)) {
      return false;
    }
    try (Stream<Path> ports = Files.list(brif)) {
      return ports.findAny().isPresent();
    }
  }
}
