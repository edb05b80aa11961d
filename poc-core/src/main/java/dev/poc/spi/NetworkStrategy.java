package dev.poc.spi;

import dev.poc.ContainerRuntime;
import dev.poc.Network;

/**
 * Connects containers whose spec names it: {@code .network(Network.custom(name()))}. Register one
 * with {@link ContainerRuntime.Builder#network(NetworkStrategy)}; the runtime's own strategy serves
 * {@link Network#DISABLED}, {@link Network#DEFAULT} and {@link Network#BRIDGE}.
 *
 * <p>The container always gets a network namespace of its own with {@code lo} up. The strategy
 * typically moves or creates an interface in it once it exists, in {@link Attachment#onCreated}:
 * its handle is {@code /proc/INITPID/ns/net} until the attachment is closed. What it assigned it
 * publishes as {@link NetworkFacts} in the {@link StartContext} (at prepare, or at onCreated when
 * it is only known then), which {@link dev.poc.Container#address()} and
 * {@link dev.poc.Container#hostPort(int)} read. A spec with published ports is refused unless the
 * strategy says it {@link #publishesPorts()}.
 */
public interface NetworkStrategy extends HostSetup {

  /** The name specs use for it ({@link Network#custom(String)}); letters, digits, '-' and '_'. */
  String name();

  /** Whether it honours the spec's {@link dev.poc.ContainerSpec#ports()}. */
  default boolean publishesPorts() {
    return false;
  }
}
