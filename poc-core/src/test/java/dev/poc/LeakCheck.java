package dev.poc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class that leaves a helper process or a mount behind. Checks only what this test JVM
 * could have made (its own descendants, mounts under its working directory), because other suites
 * may run on the same kernel at the same time.
 */
final class LeakCheck implements BeforeAllCallback, AfterAllCallback {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(LeakCheck.class);

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    context.getStore(NS).put("mounts", ourMounts());
    context.getStore(NS).put("procs", descendants());
  }

  @Override
  @SuppressWarnings("unchecked")
  public void afterAll(ExtensionContext context) throws Exception {
    List<String> procs = descendants();
    for (int i = 0; i < 100 && !procs.isEmpty(); i++) {
      Thread.sleep(20); // a released helper may still be exiting
      procs = descendants();
    }
    assertThat(procs).as("processes left by %s", context.getDisplayName())
        .isEqualTo(context.getStore(NS).get("procs", List.class));
    assertThat(ourMounts()).as("mounts left by %s", context.getDisplayName())
        .isEqualTo(context.getStore(NS).get("mounts", List.class));
  }

  static List<String> descendants() {
    return ProcessHandle.current().descendants()
        .map(p -> p.pid() + " " + p.info().command().orElse("?"))
        .filter(s -> s.contains("poc-init"))
        .sorted().collect(Collectors.toList());
  }

  static List<String> ourMounts() throws IOException {
    String cwd = Path.of("").toAbsolutePath().toString();
    return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
        .map(l -> l.split(" ")[4])
        .filter(m -> m.startsWith(cwd))
        .sorted().collect(Collectors.toList());
  }
}
