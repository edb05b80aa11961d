package dev.poc;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** A runtime on a fresh state root and the busybox tree, per test class. */
abstract class RuntimeTestBase {
  static ContainerRuntime runtime;
  static Path busybox;

  @BeforeAll
  static void openRuntime() throws Exception {
    runtime = ContainerRuntime.open(TestRootfs.stateRoot());
    busybox = TestRootfs.busybox();
  }

  @AfterAll
  static void closeRuntime() {
    runtime.close();
  }

  /** A busybox container with a unique name running {@code script} in sh. */
  static ContainerSpec.Builder busybox(String prefix, String script) {
    return runtime.container().name(TestRootfs.uniqueName(prefix)).rootfs(Rootfs.directory(busybox))
        .command("sh", "-c", script);
  }
}
