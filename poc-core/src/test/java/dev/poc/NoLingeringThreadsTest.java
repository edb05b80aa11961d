package dev.poc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * No thread of poc's outlives the last container: what {@code mvn exec:java} checks before it
 * returns (it joins every thread the program started, daemon or not). Nor does any process of
 * poc's outlive the runtime's close().
 */
class NoLingeringThreadsTest {
  @Test
  void everyThreadAProgramStartedThroughPocEndsOnceItsContainersAreClosed() throws Exception {
    ThreadGroup group = new ThreadGroup("program");
    List<Throwable> failures = new ArrayList<>();
    Thread program = new Thread(group, () -> {
      try (ContainerRuntime rt = ContainerRuntime.open(TestRootfs.stateRoot())) {
        for (int i = 0; i < 2; i++) { // the second start takes the spare helper the first one made
          try (Container c = rt.container().name(TestRootfs.uniqueName("threads"))
              .rootfs(Rootfs.directory(TestRootfs.busybox())).command("echo", "hi").start()) {
            c.followOutput(f -> {}).get();
            assertThat(c.waitFor()).isZero();
          }
        }
      } catch (Throwable t) {
        failures.add(t);
      }
    }, "program-main");
    program.start();
    program.join();
    assertThat(failures).isEmpty();
    Thread[] threads = new Thread[group.activeCount() + 16];
    int n = group.enumerate(threads);
    List<String> alive = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      threads[i].join(30_000); // as exec:java does; they end at once when they end at all
      if (threads[i].isAlive()) {
        alive.add(threads[i].getName());
      }
    }
    assertThat(alive).as("threads of the program still alive").isEmpty();
  }

  @Test
  void closeReturnsOnceEveryHelperOfTheRuntimeHasExited() throws Exception {
    java.util.Set<Long> before = LeakCheck.helperProcesses().keySet();
    for (int round = 0; round < 20; round++) {
      try (ContainerRuntime rt = ContainerRuntime.open(TestRootfs.stateRoot())) {
        for (int i = 0; i < 2; i++) {
          try (Container c = rt.container().name(TestRootfs.uniqueName("helpers"))
              .rootfs(Rootfs.directory(TestRootfs.busybox())).command("echo", "hi").start()) {
            c.stdout().readAllBytes();
            assertThat(c.waitFor()).isZero();
          }
        }
        // an exec'd command's helper too, its container left for close() to stop
        Container running = rt.container().name(TestRootfs.uniqueName("helpers"))
            .rootfs(Rootfs.directory(TestRootfs.busybox())).command("sleep", "30").start();
        try (ContainerProcess p = running.exec("true")) {
          assertThat(p.waitFor()).isZero();
        }
      }
      var left = LeakCheck.helperProcesses();
      left.keySet().removeAll(before);
      assertThat(left).as("poc-init processes alive right after close(), round %d", round).isEmpty();
    }
  }
}
