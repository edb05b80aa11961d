package dev.poc.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.poc.Network;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/**
 * A {@link PocTest} class whose bridged container cannot run here (iptables hidden from PATH, in
 * a JVM of its own): skipped with the check's one line, or failed with it and no stack trace
 * when {@code CI} is set.
 */
class HarnessReadinessIT {
  private static final String LINE = "cannot run here: network net-bridge: no: needs iptables: iptables is not installed"
      + " (not in PATH); fix: apt-get install iptables (dnf install iptables-nft), or use net-disabled";
  private static Path path;

  /** Run only by {@link Child}, in a JVM without iptables in PATH. */
  @PocTest
  static class BridgedExample {
    @Managed
    static PocContainer web = new PocContainer("sleep", "1000").withNamePrefix("ready").withNetwork(Network.BRIDGE);

    @Test
    void neverRuns() {}
  }

  /** Runs {@link BridgedExample} and prints how its class ended: {@code ABORTED|FAILED message} and the stack's depth. */
  public static final class Child {
    private Child() {}

    public static void main(String[] args) {
      for (Event e : EngineTestKit.engine("junit-jupiter").selectors(selectClass(BridgedExample.class)).execute()
          .containerEvents().finished().list()) {
        TestExecutionResult r = e.getPayload(TestExecutionResult.class).orElseThrow();
        if (r.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
          Throwable t = r.getThrowable().orElseThrow();
          System.out.println(r.getStatus() + " " + t.getMessage() + " | stack " + t.getStackTrace().length);
        }
      }
    }
  }

  @BeforeAll
  static void hideIptables() throws IOException {
    path = PathWithout.make(Files.createTempDirectory("poc-path-without-iptables-"), "iptables");
  }

  @AfterAll
  static void removePath() throws IOException {
    try (Stream<Path> all = Files.walk(path)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  @Test
  void skipsTheClassWithTheChecksLine() throws Exception {
    assertThat(child(false)).singleElement().asString()
        .matches("ABORTED container 'ready-[0-9a-f]{8}' " + Pattern.quote(LINE) + " \\| stack \\d+");
  }

  @Test
  void failsItWithTheLineAloneWhenEveryToolIsPromised() throws Exception {
    assertThat(child(true)).singleElement().asString()
        .matches("FAILED container 'ready-[0-9a-f]{8}' " + Pattern.quote(LINE) + " \\| stack 0");
  }

  private static List<String> child(boolean ci) throws Exception {
    String javaCommand = ProcessHandle.current().info().command().orElse("java");
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    ProcessBuilder pb = new ProcessBuilder(javaCommand, "-cp", cp, Child.class.getName());
    pb.environment().put("PATH", path.toString());
    pb.environment().remove("CI");
    if (ci) {
      pb.environment().put("CI", "true");
    }
    Process p = pb.start();
    var err = CompletableFuture.supplyAsync(() -> {
      try {
        return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return e.toString();
      }
    });
    List<String> lines = new ArrayList<>(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(err.join()).isZero();
    return lines;
  }
}
