package dev.poc.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.poc.Check;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/** A host that cannot run a test's container skips or fails it with the check's one line. */
class HostReadinessTest {
  private static final Check YES = Check.yes("privileges", "root");
  private static final Check NO = Check.no("network net-bridge",
      "needs iptables: iptables is not installed (not in PATH)", "apt-get install iptables");
  private static final String LINE = "container 'web-1' cannot run here: network net-bridge: no: needs iptables:"
      + " iptables is not installed (not in PATH); fix: apt-get install iptables";

  @Test
  void skipsWithTheLine() {
    Throwable t = catchThrowable(() -> HostReadiness.require(List.of(YES, NO), "container 'web-1'", false));
    assertThat(t).isInstanceOf(TestAbortedException.class).hasMessage(LINE);
  }

  @Test
  void failsWithTheLineAndNoStackWhenEveryToolIsPromised() {
    Throwable t = catchThrowable(() -> HostReadiness.require(List.of(YES, NO), "container 'web-1'", true));
    assertThat(t).isInstanceOf(AssertionError.class).hasMessage(LINE);
    assertThat(t.getStackTrace()).isEmpty();
  }

  @Test
  void passesWhenEveryCheckSaysYes() {
    assertThatCode(() -> HostReadiness.require(List.of(YES), "container 'web-1'", true)).doesNotThrowAnyException();
  }
}
