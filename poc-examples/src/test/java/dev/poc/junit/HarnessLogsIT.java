package dev.poc.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poc.ContainerRuntime;
import dev.poc.OutputFrame;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** The harness's view of a container's output: complete after stop, never blocking, handed to consumers. */
@PocTest
class HarnessLogsIT {

  @Test
  void logsAfterStopHaveEveryLine(ContainerRuntime runtime) {
    PocContainer c = new PocContainer("sh", "-c", "seq 1 50001; exec sleep 1000").withLogForwarding(false)
        .waitingFor(Wait.forLogLine("^50001$")).start(runtime);
    c.stop();
    List<String> lines = c.logLines();
    assertThat(lines).hasSize(50001);
    assertThat(lines.get(0)).isEqualTo("1");
    assertThat(lines.get(50000)).isEqualTo("50001");
    assertThat(c.logs().split("\n")).hasSize(50001);
  }

  @Test
  void aLastLineWithoutANewlineIsInTheLogOnceTheContainerHasEnded(ContainerRuntime runtime) throws Exception {
    try (PocContainer c = new PocContainer("sh", "-c", "echo first; printf 'last words'").withLogForwarding(false)
        .start(runtime)) {
      assertThat(c.container().waitFor()).isZero();
      assertThat(c.logLines()).containsExactly("first", "last words"); // no stop(): logLines() alone waits for the end
    }
  }

  @Test
  void outputNobodyReadsDoesNotBlockAndConsumersGetEveryFrame(ContainerRuntime runtime) throws Exception {
    List<OutputFrame> frames = new ArrayList<>();
    List<String> logged = new ArrayList<>();
    PocContainer c = new PocContainer("sh", "-c", "head -c 2000000 /dev/zero | tr '\\0' x >&2; echo >&2; echo done")
        .withLogForwarding(false)
        .withLogConsumer(f -> {
          synchronized (frames) {
            frames.add(f);
          }
        })
        .withLogConsumer(new Slf4jLogConsumer(recording(logged), "c"))
        .start(runtime);
    assertThat(c.container().waitFor()).isZero(); // 2 MB on stderr and nobody reading: it ends
    c.stop();
    long err;
    synchronized (frames) {
      err = frames.stream().filter(f -> f.type() == OutputFrame.Type.STDERR).mapToLong(f -> f.bytes().length).sum();
    }
    assertThat(err).isEqualTo(2_000_001);
    assertThat(logged).hasSize(2).contains("INFO [c] done");
    assertThat(logged).filteredOn(l -> l.startsWith("WARN [c] xxxx")).singleElement().asString()
        .hasSize("WARN [c] ".length() + 2_000_000);
  }

  /** A logger that keeps "LEVEL message" lines (no SLF4J binding is on the harness's class path). */
  private static Logger recording(List<String> into) {
    return new LegacyAbstractLogger() {
      @Override
      protected String getFullyQualifiedCallerName() {
        return null;
      }

      @Override
      protected void handleNormalizedLoggingCall(Level level, Marker marker, String format, Object[] args, Throwable t) {
        synchronized (into) {
          into.add(level + " " + MessageFormatter.basicArrayFormat(format, args));
        }
      }

      @Override public boolean isTraceEnabled() { return false; }
      @Override public boolean isDebugEnabled() { return false; }
      @Override public boolean isInfoEnabled() { return true; }
      @Override public boolean isWarnEnabled() { return true; }
      @Override public boolean isErrorEnabled() { return true; }
    };
  }
}
