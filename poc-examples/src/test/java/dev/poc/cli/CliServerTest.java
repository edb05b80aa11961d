package dev.poc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the CLI server takes from its caller and what it requires to be its own (pure logic, and a ps for a caller). */
class CliServerTest {
  @Test
  void theStateRootAndNetworkAreTheCallersEverythingElseMustAgree() {
    Map<String, String> env = Map.ofEntries(
        Map.entry("PATH", "/usr/bin"), Map.entry("XDG_RUNTIME_DIR", "/run/user/0"), Map.entry("DOCKER_CONFIG", "/d"),
        Map.entry("POC_INSECURE_REGISTRIES", "localhost:5000"),
        Map.entry("POC_STATE_ROOT", "/tmp/a"), Map.entry("POC_BRIDGE", "br9"), Map.entry("POC_BRIDGE_SUBNET", "10.9.0.0/16"),
        Map.entry("POC_DEFAULT_SUBNET", "10.8.0.0/16"), Map.entry("POC_CHAIN_PREFIX", "T9"),
        Map.entry("POC_SERVER_IDLE", "5"), Map.entry("POC_SERVER_SOCKET", "/s"), Map.entry("POC_FRONT", "off"),
        Map.entry("POC_FRONT_DEBUG", "1"), Map.entry("POC_LAUNCHER", "/poc"), Map.entry("POC_JAR", "/poc.jar"),
        Map.entry("POC_JAVA_OPTS", "-Xmx1g"), Map.entry("POC_STARTUP_CACHE", "off"), Map.entry("POC_OCI_SERVER", "off"),
        Map.entry("HOME", "/root"), Map.entry("TERM", "xterm"));
    assertThat(CliServer.comparedEnvironment(env)).containsOnlyKeys("PATH", "XDG_RUNTIME_DIR", "DOCKER_CONFIG",
        "POC_INSECURE_REGISTRIES");
  }

  @Test
  void aCallerWithAnotherStateRootIsServedOneWithAnotherPathIsNot() {
    dev.poc.front.PeerView server = view(Map.of("PATH", "/usr/bin", "POC_STATE_ROOT", "/var/lib/poc_container"));
    assertThat(view(Map.of("PATH", "/usr/bin", "POC_STATE_ROOT", "/tmp/mine", "POC_BRIDGE", "br7"))
        .difference(server, CliServer::comparedEnvironment)).isNull();
    assertThat(view(Map.of("PATH", "/opt/bin:/usr/bin")).difference(server, CliServer::comparedEnvironment))
        .startsWith("the environment differs");
  }

  private static dev.poc.front.PeerView view(Map<String, String> env) {
    return new dev.poc.front.PeerView("mnt:[1] pid:[2]", "/ (dev=1,ino=2)", "/tmp", "Uid: 0 0 0 0", "unconfined", "0022",
        "0::/", env);
  }

  @Test
  void aCallersRelativeStateRootIsResolvedAgainstItsDirectoryAndItsTextGoesToItsStreams(@TempDir Path dir) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Caller caller = new Caller(new PrintStream(out, true, StandardCharsets.UTF_8), System.err,
        Map.of("POC_STATE_ROOT", "/nonexistent/poc-not-this-one"), new java.util.Properties(), dir, false, null, c -> { }, Runtimes.perCommand());
    OptionalInt code = QuickCommands.run(new String[] {"--state-root", "rel-root", "ps"}, caller);
    assertThat(code).hasValue(0);
    assertThat(Files.isDirectory(dir.resolve("rel-root"))).isTrue();
    assertThat(Path.of("/nonexistent/poc-not-this-one")).doesNotExist();
    assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("NAME ");
  }

  @Test
  void aRelativePocStateRootIsTheCallersDirectorysNotTheServers(@TempDir Path dir) {
    String name = "poc-rel-" + ProcessHandle.current().pid();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Caller caller = new Caller(new PrintStream(out, true, StandardCharsets.UTF_8), System.err,
        Map.of("POC_STATE_ROOT", name), new java.util.Properties(), dir, false, null, c -> { }, Runtimes.perCommand());
    OptionalInt code = QuickCommands.run(new String[] {"ps"}, caller);
    assertThat(code).hasValue(0);
    assertThat(Files.isDirectory(dir.resolve(name))).isTrue();
    assertThat(Path.of("").toAbsolutePath().resolve(name)).doesNotExist();
  }

  @Test
  void aCallerWithJvmOptionsOrALoaderSettingIsNotServed() {
    assertThat(CliServer.ownJvm(view(Map.of("PATH", "/usr/bin")))).isNull();
    for (String v : List.of("POC_JAVA_OPTS", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "LD_PRELOAD",
        "LD_LIBRARY_PATH")) {
      assertThat(CliServer.ownJvm(view(Map.of("PATH", "/usr/bin", v, "x")))).startsWith(v + " is set");
    }
  }

  @Test
  void aFrontsLineIsCappedSoAnEndlessOneCannotFillTheServer() throws Exception {
    byte[] fine = ("SIGNAL 2\n").getBytes(StandardCharsets.US_ASCII);
    assertThat(dev.poc.front.FrontServer.readLine(new java.io.ByteArrayInputStream(fine), "gone")).isEqualTo("SIGNAL 2");
    java.io.InputStream endless = new java.io.InputStream() {
      @Override
      public int read() {
        return 'x';
      }
    };
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> dev.poc.front.FrontServer.readLine(endless, "gone"))
        .isInstanceOf(java.io.IOException.class).hasMessageContaining("over " + dev.poc.front.FrontServer.MAX_LINE + " bytes");
  }

  @Test
  void aCallerOrServerUnderASeccompFilterIsNotServedEvenWithAsManyFilters() {
    String filtered = "Uid:0 0 0 0 NoNewPrivs:1 Seccomp:2 Seccomp_filters:1";
    dev.poc.front.PeerView plain = creds("Uid:0 0 0 0 NoNewPrivs:0 Seccomp:0 Seccomp_filters:0");
    assertThat(plain.difference(plain, CliServer::comparedEnvironment)).isNull();
    assertThat(creds(filtered).difference(creds(filtered), CliServer::comparedEnvironment)).startsWith("seccomp is on");
    assertThat(plain.difference(creds(filtered), CliServer::comparedEnvironment)).contains("the server's 2");
  }

  private static dev.poc.front.PeerView creds(String credentials) {
    return new dev.poc.front.PeerView("mnt:[1] pid:[2]", "/ (dev=1,ino=2)", "/tmp", credentials, "unconfined", "0022",
        "0::/", Map.of("PATH", "/usr/bin"));
  }
}
