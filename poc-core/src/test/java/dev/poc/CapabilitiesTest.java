package dev.poc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poc.seccomp.Seccomp;
import dev.poc.seccomp.bpf.SeccompPrograms;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/** How a spec's capability options and seccomp default combine: pure logic, no container. */
class CapabilitiesTest {
  private static ContainerSpec.Builder spec() {
    return new ContainerSpec.Builder().name("caps").command("true");
  }

  @Test
  void dockersFourteenUnlessToldOtherwise() {
    ContainerSpec s = spec().build();
    assertThat(s.capabilities()).isEqualTo(Capability.dockerDefaults()).hasSize(14);
    assertThat(Capability.mask(s.capabilities())).isEqualTo(0xa80425fbL); // what IsolationTest sees as CapEff
    assertThat(s.seccomp()).isEqualTo(Seccomp.dockerDefault());
    assertThat(SeccompPrograms.hex(s)).isPresent();
  }

  @Test
  void dropsThenAddsAndAddingEverythingKeepsTheDrops() {
    assertThat(spec().capDrop(Capability.values()).capAdd(Capability.NET_ADMIN).build().capabilities())
        .containsExactly(Capability.NET_ADMIN);
    assertThat(spec().capAdd(Capability.values()).capDrop(Capability.SYS_ADMIN).build().capabilities())
        .hasSize(Capability.values().length - 1).doesNotContain(Capability.SYS_ADMIN);
    assertThat(spec().capDrop(Capability.NET_RAW).build().capabilities()).hasSize(13).doesNotContain(Capability.NET_RAW);
  }

  @Test
  void privilegedHasEveryCapabilityAndNoFilterUnlessOneIsSet() {
    ContainerSpec p = spec().privileged(true).build();
    assertThat(p.capabilities()).isEqualTo(EnumSet.allOf(Capability.class));
    assertThat(p.seccomp().isUnconfined()).isTrue();
    assertThat(SeccompPrograms.hex(p)).isEmpty();
    assertThat(SeccompPrograms.hex(spec().privileged(true).seccomp(Seccomp.dockerDefault()).build())).isPresent();
  }

  @Test
  void capabilityNamesParseWithOrWithoutThePrefix() {
    assertThat(Capability.parse("cap_sys_admin")).isEqualTo(Capability.SYS_ADMIN);
    assertThat(Capability.parse("NET_ADMIN")).isEqualTo(Capability.NET_ADMIN);
    assertThat(Capability.CHECKPOINT_RESTORE.number()).isEqualTo(40);
    assertThatThrownBy(() -> Capability.parse("SYS_ADMINN")).isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("'SYS_ADMINN' is not a Linux capability");
  }
}
