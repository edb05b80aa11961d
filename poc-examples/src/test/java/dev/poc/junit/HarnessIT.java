package dev.poc.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poc.ContainerRuntime;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The harness as a user writes tests with it: a container shared by the class, a fresh one per test, waits. */
@PocTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HarnessIT {
  /** One for the whole class: started once, before the first test. */
  @Managed
  static PocContainer shared = new PocContainer("sh", "-c", "echo warming up; sleep 0.2; echo ready; exec sleep 1000")
      .withNamePrefix("shared")
      .waitingFor(Wait.forLogLine("^ready$"));

  /** A new one for every test. */
  @Managed
  PocContainer fresh = new PocContainer("sh", "-c", "echo $$ > /tmp/pid; exec sleep 1000")
      .withNamePrefix("fresh")
      .waitingFor(Wait.forCommand("test", "-s", "/tmp/pid"));

  private static final Set<Integer> sharedPids = new HashSet<>();
  private static final Set<Integer> freshPids = new HashSet<>();

  @Test
  @Order(1)
  void sharedAndFreshContainersRun() {
    assertThat(shared.isRunning()).isTrue();
    assertThat(shared.logLines()).containsExactly("warming up", "ready");
    assertThat(fresh.exec("cat", "/tmp/pid").stdout()).isEqualTo("2\n");
    sharedPids.add(shared.container().pid());
    freshPids.add(fresh.container().pid());
  }

  @Test
  @Order(2)
  void theSharedOneIsTheSameTheFreshOneIsNew() {
    assertThat(shared.isRunning()).isTrue();
    sharedPids.add(shared.container().pid());
    freshPids.add(fresh.container().pid());
    assertThat(sharedPids).hasSize(1);
    assertThat(freshPids).hasSize(2);
    assertThat(fresh.name()).startsWith("fresh-").isNotEqualTo(shared.name());
  }

  @Test
  @Order(3)
  void execGivesStatusAndBothStreams() {
    ExecResult r = fresh.exec("sh", "-c", "echo out; echo err >&2; hostname; exit 3");
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.succeeded()).isFalse();
    assertThat(r.stdout()).isEqualTo("out\n" + fresh.name() + "\n");
    assertThat(r.stderr()).isEqualTo("err\n");
  }

  @Test
  @Order(4)
  void anHttpServerAnswersOnceItsPortListens(ContainerRuntime runtime) throws Exception {
    try (PocContainer web = new PocContainer("sh", "-c",
        "mkdir -p /tmp/www && echo 'hello from poc' > /tmp/www/index.html && exec busybox httpd -f -p 8080 -h /tmp/www")
        .withNamePrefix("web")
        .waitingFor(Wait.forListeningPort(8080).withTimeout(Duration.ofSeconds(10)))
        .start(runtime)) {
      ExecResult page = web.exec("busybox", "wget", "-qO-", "http://127.0.0.1:8080/index.html");
      assertThat(page.stdout()).isEqualTo("hello from poc\n");
    }
  }

  @Test
  @Order(5)
  void outputIsForwardedWithTheNameAsPrefix(ContainerRuntime runtime) throws Exception {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.out;
    System.setOut(new PrintStream(captured, true));
    String name;
    try (PocContainer c = new PocContainer("sh", "-c", "echo first; echo second").withNamePrefix("talk").start(runtime)) {
      name = c.name();
      c.container().waitFor();
      c.stop();
      assertThat(c.logs()).isEqualTo("first\nsecond");
    } finally {
      System.setOut(original);
    }
    assertThat(captured.toString()).contains("[" + name + "] first\n[" + name + "] second\n");
  }

  @Test
  @Order(6)
  void aTimedOutWaitFailsWithTheLastOutputAndRemovesTheContainer(ContainerRuntime runtime) {
    PocContainer stuck = new PocContainer("sh", "-c", "for i in $(seq 1 30); do echo line $i; done; exec sleep 1000")
        .withNamePrefix("stuck")
        .waitingFor(Wait.forLogLine("never printed").withTimeout(Duration.ofMillis(500)));
    assertThatThrownBy(() -> stuck.start(runtime))
        .isInstanceOf(ContainerNotReadyException.class)
        .hasMessageContaining("was not ready within 500 ms: waited for a log line matching /never printed/")
        .hasMessageContaining("last 20 lines of output")
        .hasMessageContaining("line 11\n").hasMessageContaining("line 30").hasMessageNotContaining("line 10\n");
    assertThat(stuck.isRunning()).isFalse();
    assertThat(runtime.runs()).noneMatch(i -> i.name().startsWith("stuck-"));
  }

  @Test
  @Order(7)
  void aContainerThatEndsBeforeItIsReadyFailsAtOnce(ContainerRuntime runtime) {
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> new PocContainer("sh", "-c", "echo cannot start >&2; exit 3")
        .waitingFor(Wait.forListeningPort(9999)).start(runtime))
        .isInstanceOf(ContainerNotReadyException.class)
        .hasMessageContaining("ended (exited with code 3) while waiting for TCP port 9999 to listen")
        .hasMessageContaining("cannot start");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
  }

  @AfterAll
  static void everyManagedContainerIsGone() {
    // the static one is stopped after this method; the fresh ones are already gone
    assertThat(shared.isRunning()).isTrue();
  }
}
