package dev.poc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** One precedence for the Java API and the CLI: builder > system property > environment > default. */
class PocSettingsTest {
  private static Properties props(String... kv) {
    Properties p = new Properties();
    for (int i = 0; i < kv.length; i += 2) {
      p.setProperty(kv[i], kv[i + 1]);
    }
    return p;
  }

  @Test
  void stateRootComesFromThePropertyElseTheEnvironmentElseTheDefault() {
    assertThat(PocSettings.stateRoot(props(), Map.of())).isEqualTo(ContainerRuntime.DEFAULT_STATE_ROOT);
    assertThat(PocSettings.stateRoot(props(), Map.of("POC_STATE_ROOT", "/srv/env"))).isEqualTo(Path.of("/srv/env"));
    assertThat(PocSettings.stateRoot(props("poc.stateRoot", "/srv/prop"), Map.of("POC_STATE_ROOT", "/srv/env")))
        .isEqualTo(Path.of("/srv/prop"));
    assertThat(PocSettings.stateRoot(props("poc.stateRoot", " "), Map.of("POC_STATE_ROOT", ""))).isEqualTo(ContainerRuntime.DEFAULT_STATE_ROOT);
  }

  @Test
  void eachNetworkValueComesFromItsPropertyElseItsVariableElseTheSeed() {
    NetworkSettings seed = PocSettings.network(props(), Map.of());
    assertThat(seed).isEqualTo(NetworkSettings.defaults());
    NetworkSettings mixed = PocSettings.network(props("poc.bridge", "pocbrp", "poc.chainPrefix", "PP"),
        Map.of("POC_BRIDGE", "pocbre", "POC_BRIDGE_SUBNET", "10.150.0.0/16", "POC_CHAIN_PREFIX", "PE"));
    assertThat(mixed.bridgeName()).isEqualTo("pocbrp");
    assertThat(mixed.chainPrefix()).isEqualTo("PP");
    assertThat(mixed.bridgeSubnet()).isEqualTo("10.150.0.0/16");
    assertThat(mixed.defaultSubnet()).isEqualTo(seed.defaultSubnet());
    assertThatThrownBy(() -> PocSettings.network(props("poc.bridgeSubnet", "10.100.0.0/24"), Map.of()))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("set as system properties: -Dpoc.bridgeSubnet=10.100.0.0/24");
  }

  @Test
  void theRuntimeBuilderTakesThemUnlessTold() throws Exception {
    Path fromProperty = TestRootfs.stateRoot();
    String before = System.getProperty("poc.stateRoot");
    System.setProperty("poc.stateRoot", fromProperty.toString());
    try (ContainerRuntime rt = ContainerRuntime.builder().build()) {
      assertThat(rt.stateRoot()).isEqualTo(fromProperty);
      assertThat(rt.networkSettings()).isEqualTo(PocSettings.network());
    } finally {
      if (before == null) {
        System.clearProperty("poc.stateRoot");
      } else {
        System.setProperty("poc.stateRoot", before);
      }
    }
    Path explicit = TestRootfs.stateRoot();
    try (ContainerRuntime rt = ContainerRuntime.builder().stateRoot(explicit).build()) {
      assertThat(rt.stateRoot()).isEqualTo(explicit); // the builder wins
    }
  }
}
