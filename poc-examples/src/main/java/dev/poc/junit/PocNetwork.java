package dev.poc.junit;

import dev.poc.ContainerRuntime;
import dev.poc.Network;
import java.util.UUID;

/**
 * A named network for {@link PocContainer}s, as Testcontainers' {@code Network.newNetwork()}: made
 * on the runtime of the first container that joins it ({@link PocContainer#withNetwork(PocNetwork)}),
 * removed by {@link #close} (or with the runtime's state root). Its members reach each other by
 * container name and by {@link PocContainer#withNetworkAliases(String...)}, and nothing on another
 * network.
 */
public final class PocNetwork implements AutoCloseable {
  private final String name;
  private ContainerRuntime runtime;

  private PocNetwork(String name) {
    this.name = name;
  }

  /** A network with a fresh name, made when a container first joins it. */
  public static PocNetwork newNetwork() {
    return new PocNetwork("pocnet-" + UUID.randomUUID().toString().substring(0, 8));
  }

  /** Its name on the runtime ({@code poc network ls}). */
  public String name() {
    return name;
  }

  /** What a container spec joins it with. */
  public Network network() {
    return Network.named(name);
  }

  /** Creates it on {@code rt} unless done; a network lives on the state root of one runtime. */
  synchronized void ensureCreated(ContainerRuntime rt) {
    if (runtime == null) {
      rt.createNetwork(name);
      runtime = rt;
    } else if (runtime != rt && !runtime.stateRoot().equals(rt.stateRoot())) {
      throw new IllegalStateException("network '" + name + "' was made on the runtime of " + runtime.stateRoot()
          + " and cannot be joined from " + rt.stateRoot() + ": start its containers on one runtime");
    }
  }

  /** Removes it (its containers must be stopped first); nothing when it was never made. */
  @Override
  public synchronized void close() {
    if (runtime != null) {
      runtime.removeNetwork(name);
      runtime = null;
    }
  }

  @Override
  public String toString() {
    return "PocNetwork[" + name + "]";
  }
}
