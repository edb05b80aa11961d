package dev.poc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SmokeTest {
  @Test
  void runsACommand() throws Exception {
    try (ContainerRuntime rt = ContainerRuntime.open(TestRootfs.stateRoot())) {
      String name = TestRootfs.uniqueName("smoke");
      try (Container c = rt.container().name(name).rootfs(Rootfs.directory(TestRootfs.busybox()))
          .command("sh", "-c", "echo $$; hostname; ls /; cat /proc/self/status | grep -E 'Cap|NoNew'").start()) {
        String out = new String(c.stdout().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(c.stderr().readAllBytes(), StandardCharsets.UTF_8);
        System.out.println(out + err);
        assertThat(c.waitFor()).isEqualTo(0);
        assertThat(out).contains(name);
      }
    }
  }
}
