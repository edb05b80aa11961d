package dev.poc.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The generated bundle really runs in runc and crun, with poc's restrictions in force. */
class OciBundleRuntimeTest {
  private static BenchEnv env;

  @BeforeAll
  static void open() throws Exception {
    env = BenchEnv.open(Files.createDirectories(Path.of("target", "oci-test").toAbsolutePath()), System.err);
  }

  @AfterAll
  static void close() throws Exception {
    env.close();
    assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)).isEmpty();
    assertThat(Leftovers.find(env.names.prefix(), env.workDir, env.stateRoot)).isEmpty();
  }

  private static OciRuntime runtime(String name) {
    return name.equals("runc") ? env.runc : env.crun;
  }

  @ParameterizedTest
  @ValueSource(strings = {"runc", "crun"})
  void runsTheCommandWithDockersCapabilitiesAndNoNewPrivileges(String name) throws Exception {
    Path bundle = env.bundle(name + "-status", List.of("sh", "-c",
        "grep -q '^CapEff:.*00000000a80425fb' /proc/self/status && grep -q '^NoNewPrivs:.*1' /proc/self/status"
            + " && test \"$(hostname)\" = bench && test -c /dev/null && test ! -s /proc/kcore"),
        OptionalLong.empty());
    HostCommand.timeToExit(runtime(name).run(bundle, env.names.next()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"runc", "crun"})
  void refusesUserNamespacesLikePocsSeccompFilter(String name) throws Exception {
    Path bundle = env.bundle(name + "-userns", List.of("unshare", "-U", "true"), OptionalLong.empty());
    assertThatThrownBy(() -> HostCommand.timeToExit(runtime(name).run(bundle, env.names.next())))
        .hasMessageContaining("Operation not permitted");
  }
}
