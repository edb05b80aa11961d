package dev.poc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Validation of limits: every bad value is refused with a message that names it. */
class ResourcesTest {
  private static ContainerSpec.Builder spec() {
    return Container.builder().name("res").command("true");
  }

  @Test
  void acceptsWhatDockerAccepts() {
    ContainerSpec s = spec().memory("512M").cpus(1.5).cpuShares(512).pids(100).build();
    Resources r = s.resources();
    assertThat(r.memoryBytes()).hasValue(512L << 20);
    assertThat(r.cpus()).hasValue(1.5);
    assertThat(r.cpuShares()).hasValue(512);
    assertThat(r.pids()).hasValue(100);
    assertThat(r.effectivePids()).hasValue(100);
    assertThat(spec().build().resources().effectivePids()).hasValue(Resources.DEFAULT_PIDS);
    assertThat(spec().unlimitedPids().build().resources().effectivePids()).isEmpty();
    assertThat(spec().unlimitedPids().pids(50).build().resources().effectivePids()).hasValue(50);
    assertThat(spec().cpus("0.5").build().resources().cpus()).hasValue(0.5);
    assertThat(spec().memory("4M").build().resources().memoryBytes()).hasValue(4L << 20);
    assertThat(spec().build().resources().isEmpty()).isTrue();
  }

  @Test
  void refusesBadMemory() {
    assertThatThrownBy(() -> spec().memory("-5M")).isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("'-5M'").hasMessageContaining("negative");
    assertThatThrownBy(() -> spec().memory("0")).isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("'0'").hasMessageContaining("greater than zero");
    assertThatThrownBy(() -> spec().memory("lots")).isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("'lots'").hasMessageContaining("not a size");
    assertThatThrownBy(() -> spec().memory("12X")).isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("'12X'");
    assertThatThrownBy(() -> spec().memory("3M")).isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("'3M'").hasMessageContaining("at least 4M");
    assertThatThrownBy(() -> Resources.builder().memoryBytes(100).build()).isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("100 bytes").hasMessageContaining("at least 4M");
    assertThatThrownBy(() -> Resources.builder().memoryBytes(-1).build()).isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("-1 bytes").hasMessageContaining("not positive");
  }

  @Test
  void refusesBadCpus() {
    int cores = Runtime.getRuntime().availableProcessors();
    assertThatThrownBy(() -> spec().cpus(0)).isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("cpus 0 ").hasMessageContaining("not positive");
    assertThatThrownBy(() -> spec().cpus(-1.5)).isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("cpus -1.5 ");
    assertThatThrownBy(() -> spec().cpus(Double.NaN)).isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("cpus NaN ");
    assertThatThrownBy(() -> spec().cpus(0.001)).isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("cpus 0.001 ").hasMessageContaining("at least 0.01");
    assertThatThrownBy(() -> spec().cpus(cores + 1)).isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("cpus " + (cores + 1) + " ").hasMessageContaining("the " + cores + " CPUs");
    assertThatThrownBy(() -> spec().cpus("1.5x")).isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("'1.5x'").hasMessageContaining("not a number");
    assertThatThrownBy(() -> spec().cpus("")).isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("''");
    assertThatThrownBy(() -> Resources.checkCpus(8, 2)).hasMessageContaining("cpus 8 is more than the 2 CPUs");
  }

  @Test
  void refusesBadCpuSharesAndPids() {
    assertThatThrownBy(() -> spec().cpuShares(1)).isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("cpu shares 1 ").hasMessageContaining("2..262144");
    assertThatThrownBy(() -> spec().cpuShares(0)).hasMessageContaining("cpu shares 0 ");
    assertThatThrownBy(() -> spec().cpuShares(300_000)).hasMessageContaining("cpu shares 300000 ");
    assertThatThrownBy(() -> spec().pids(0)).isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("pids limit 0 ").hasMessageContaining("not positive");
    assertThatThrownBy(() -> spec().pids(-1)).hasMessageContaining("pids limit -1 ");
    assertThatThrownBy(() -> spec().pids(1)).isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("pids limit 1 ").hasMessageContaining("at least 2");
  }
}
