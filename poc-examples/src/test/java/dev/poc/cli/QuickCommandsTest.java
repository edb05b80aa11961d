package dev.poc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The quick path hands every form it does not know to picocli, and decides so before it touches
 * anything (no runtime is opened for these: the state root given here is never created).
 */
class QuickCommandsTest {
  private static final String NOWHERE = "/nonexistent/poc-quick-test";

  @Test
  void everyOtherFormGoesToPicocli() {
    for (List<String> args : List.of(
        List.<String>of(),
        List.of("--version"),
        List.of("help", "run"),
        List.of("exec", "x", "true"),
        List.of("run"),
        List.of("run", "net-disabled", "x"),                          // no command
        List.of("run", "--memory", "64M", "net-disabled", "x", "true"), // an option it does not take
        List.of("run", "--host-rootfs", "--host-rootfs", "net-disabled", "x", "true"),
        List.of("run", "--host-rootfs", "--rootfs", "/tmp", "net-disabled", "x", "true"),
        List.of("run", "--rootfs", "net-disabled", "x", "true"),     // --rootfs takes the mode for its DIR: too few words left
        List.of("run", "net-disabld", "x", "true"),                  // picocli says what the modes are
        List.of("run", "net-disabled", "-x", "true"),
        List.of("run", "net-disabled", "x", "--host-rootfs", "true"),  // picocli reads an option there
        List.of("--state-root", "run", "net-disabled", "x", "true"),
        List.of("--state-root=" + NOWHERE, "run", "--state-root", NOWHERE, "net-disabled", "x", "true"),
        List.of("ps", "--all"),
        List.of("ps", "-q", "-q"))) {
      List<String> withRoot = args.isEmpty() || args.get(0).startsWith("--state-root") ? args
          : prepend("--state-root=" + NOWHERE, args);
      assertThat(QuickCommands.run(withRoot.toArray(String[]::new))).as("poc %s", String.join(" ", withRoot)).isEmpty();
    }
    assertThat(java.nio.file.Path.of(NOWHERE)).doesNotExist();
  }

  private static List<String> prepend(String first, List<String> rest) {
    List<String> all = new java.util.ArrayList<>();
    all.add(first);
    all.addAll(rest);
    return all;
  }
}
