package dev.poc.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.poc.ContainerRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/** Runs example classes under the harness and checks what it leaves: nothing, even when tests fail. */
class HarnessLifecycleIT {
  static final List<Integer> pids = new CopyOnWriteArrayList<>();
  static final List<Path> stateRoots = new CopyOnWriteArrayList<>();
  static final List<String> names = new CopyOnWriteArrayList<>();

  @PocTest
  static class FailingExample {
    @Managed
    static PocContainer shared = new PocContainer("sleep", "1000");

    @Managed
    PocContainer fresh = new PocContainer("sleep", "1000");

    @Test
    void fails(ContainerRuntime runtime) {
      record(runtime);
      throw new AssertionError("this test fails on purpose");
    }

    @Test
    void throwsWhileAnotherContainerRuns(ContainerRuntime runtime) {
      record(runtime);
      PocContainer inCode = new PocContainer("sleep", "1000").start(runtime); // never closed by the test
      pids.add(inCode.container().pid());
      throw new IllegalStateException("this test throws on purpose");
    }

    private void record(ContainerRuntime runtime) {
      pids.add(shared.container().pid());
      pids.add(fresh.container().pid());
      names.add(shared.name());
      names.add(fresh.name());
      stateRoots.add(runtime.stateRoot());
    }
  }

  @PocTest
  static class NeverReadyExample {
    @Managed
    static PocContainer broken = new PocContainer("sh", "-c", "echo started; exec sleep 1000")
        .waitingFor(Wait.forLogLine("ready").withTimeout(java.time.Duration.ofMillis(300)));

    @Test
    void neverRuns() {}
  }

  @Test
  void containersAndStateRootsAreRemovedEvenWhenTestsFail() {
    Events tests = EngineTestKit.engine("junit-jupiter").selectors(selectClass(FailingExample.class)).execute()
        .testEvents();
    tests.assertStatistics(s -> s.started(2).failed(2));
    assertThat(pids).hasSize(5);
    assertThat(names.stream().distinct()).as("shared once, fresh twice").hasSize(3);
    for (int pid : pids) {
      assertThat(Path.of("/proc/" + pid)).as("process " + pid).doesNotExist();
    }
    assertThat(stateRoots.stream().distinct()).hasSize(1);
    assertThat(stateRoots.get(0)).doesNotExist();
  }

  @Test
  void aClassWhoseContainerIsNeverReadyFailsWithItsOutput() {
    Events container = EngineTestKit.engine("junit-jupiter").selectors(selectClass(NeverReadyExample.class)).execute()
        .containerEvents();
    container.assertThatEvents().haveAtLeastOne(org.junit.platform.testkit.engine.EventConditions.finishedWithFailure(
        org.junit.platform.testkit.engine.TestExecutionResultConditions.instanceOf(ContainerNotReadyException.class),
        org.junit.platform.testkit.engine.TestExecutionResultConditions.message(m -> m.contains("started"))));
    assertThat(NeverReadyExample.broken.isRunning()).isFalse();
  }

  static final List<String> parallel = new CopyOnWriteArrayList<>();

  /** Two classes, each with its own static container under the same prefix. */
  abstract static class ParallelExample {
    abstract PocContainer container();

    @Test
    void runs(ContainerRuntime runtime) throws Exception {
      PocContainer c = container();
      parallel.add(runtime.stateRoot() + " " + c.name() + " " + c.exec("hostname").stdout().trim());
      Thread.sleep(300); // overlap with the other class
    }
  }

  @PocTest
  static class ParallelA extends ParallelExample {
    @Managed
    static PocContainer c = new PocContainer("sleep", "1000").withNamePrefix("same");

    @Override
    PocContainer container() {
      return c;
    }
  }

  @PocTest
  static class ParallelB extends ParallelExample {
    @Managed
    static PocContainer c = new PocContainer("sleep", "1000").withNamePrefix("same");

    @Override
    PocContainer container() {
      return c;
    }
  }

  @Test
  void classesRunInParallelWithoutSharingStateRootsOrNames() {
    EngineTestKit.engine("junit-jupiter")
        .configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
        .configurationParameter("junit.jupiter.execution.parallel.mode.classes.default", "concurrent")
        .selectors(selectClass(ParallelA.class), selectClass(ParallelB.class)).execute()
        .testEvents().assertStatistics(s -> s.succeeded(2));
    assertThat(parallel).hasSize(2);
    String[] a = parallel.get(0).split(" ");
    String[] b = parallel.get(1).split(" ");
    assertThat(a[0]).isNotEqualTo(b[0]);
    assertThat(a[1]).startsWith("same-").isNotEqualTo(b[1]);
    assertThat(a[2]).isEqualTo(a[1]); // each sees its own hostname
  }

  @Test
  void eachClassHasAStateRootOfItsOwn() throws Exception {
    assertThat(Files.list(Path.of(System.getProperty("java.io.tmpdir")))
        .filter(p -> p.getFileName().toString().startsWith("poc-junit-FailingExample-"))).isEmpty();
  }
}
