package dev.poc;

import dev.poc.network.UserNetworks;
import java.util.List;
import org.immutables.value.Value;

/**
 * A user-defined network of a state root, as {@code poc network ls} lists it. See
 * {@link ContainerRuntime#createNetwork(String)}.
 */
@Value.Immutable
public abstract class NetworkInfo {
  /** Its name, as {@link Network#named(String)} takes it. */
  public abstract String name();

  /** Its subnet, e.g. {@code 10.210.0.0/20}; the bridge has {@code .1.1}. */
  public abstract String subnet();

  /** The host's bridge interface of it, e.g. {@code pocn0}. */
  public abstract String bridge();

  /** The containers on it now. */
  public abstract List<String> containers();

  /** What containers on it use for {@code .network(...)}. */
  public Network network() {
    return Network.named(name());
  }

  static NetworkInfo of(UserNetworks.Info i) {
    return ImmutableNetworkInfo.builder().name(i.name()).subnet(i.subnet()).bridge(i.bridge())
        .containers(i.containers()).build();
  }
}
