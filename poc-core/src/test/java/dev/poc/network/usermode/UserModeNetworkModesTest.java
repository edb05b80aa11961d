package dev.poc.network.usermode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poc.Container;
import dev.poc.ContainerRuntime;
import dev.poc.ContainerSpec;
import dev.poc.InvalidSpecException;
import dev.poc.Network;
import dev.poc.spi.Attachment;
import dev.poc.spi.HelperPlan;
import dev.poc.spi.NetworkFacts;
import dev.poc.spi.StartContext;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the runtime's own modes get when a rootless runtime routes them to the user-mode network
 * (prepare only: nothing is started, no helper runs).
 */
class UserModeNetworkModesTest {
  @TempDir
  Path runDir;

  private final UserModeNetwork net = UserModeNetwork.builder().build();

  @Test
  void defaultAndBridgeGetTheUserModeAddressAndTheirAskedPorts() throws Exception {
    for (Network mode : new Network[] {Network.DEFAULT, Network.BRIDGE}) {
      Context ctx = new Context(Container.builder().name("um-modes").network(mode).publish(8080, 80)
          .command("true").build());
      try (Attachment a = net.prepare(ctx)) {
        assertThat(a).as(mode.cliName()).isInstanceOf(UserModeAttachment.class);
        NetworkFacts facts = ctx.fact(NetworkFacts.class);
        assertThat(facts.address()).contains(UserModeNetwork.ADDRESS);
        assertThat(facts.gateway()).contains(UserModeNetwork.GATEWAY);
        assertThat(facts.hostPorts()).containsExactlyEntriesOf(Map.of(80, 8080));
      }
    }
  }

  @Test
  void disabledKeepsLoopbackOnlyAndRefusesPorts() throws Exception {
    Context ctx = new Context(Container.builder().name("um-off").network(Network.DISABLED).command("true").build());
    assertThat(net.prepare(ctx)).isNotInstanceOf(UserModeAttachment.class);
    assertThat(ctx.fact(NetworkFacts.class)).isNull();

    Context withPorts = new Context(Container.builder().name("um-off").network(Network.DISABLED).publish(80)
        .command("true").build());
    assertThatThrownBy(() -> net.prepare(withPorts)).isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("'um-off' publishes ports").hasMessageContaining("net-disabled");
  }

  @Test
  void aBadNameIsRefusedAndTheDefaultsAreSafe() {
    assertThat(net.name()).isEqualTo("usermode");
    assertThat(net.hostLoopback()).as("host loopback is closed unless asked").isFalse();
    assertThat(net.publishesPorts()).isTrue();
    assertThatThrownBy(() -> UserModeNetwork.builder().name("no spaces")).isInstanceOf(InvalidSpecException.class);
  }

  /** A start's context with only what the strategy reads: spec, run directory, facts. */
  private final class Context implements StartContext {
    private final ContainerSpec spec;
    private final Map<Class<?>, Object> facts = new HashMap<>();

    Context(ContainerSpec spec) {
      this.spec = spec;
    }

    @Override
    public ContainerSpec spec() {
      return spec;
    }

    @Override
    public ContainerRuntime runtime() {
      throw new UnsupportedOperationException("not needed to prepare");
    }

    @Override
    public Path runDir() {
      return runDir;
    }

    @Override
    public HelperPlan plan() {
      throw new UnsupportedOperationException("the user-mode network adds nothing to the helper's plan");
    }

    @Override
    public <T> void publish(Class<T> type, T fact) {
      facts.put(type, fact);
    }

    @Override
    public <T> T fact(Class<T> type) {
      return type.cast(facts.get(type));
    }
  }
}
