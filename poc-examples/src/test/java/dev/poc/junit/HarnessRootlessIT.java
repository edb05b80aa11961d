package dev.poc.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.poc.ContainerRuntime;
import dev.poc.Network;
import dev.poc.Rootfs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness as an ordinary user writes tests with it, no sudo (the {@code rootless} profile, run
 * by {@code ./run-tests} as poc-rootless): it picks rootless by itself, busybox httpd answers
 * through a port published on 127.0.0.1, root inside is the user outside, exits and stops.
 */
@PocTest
class HarnessRootlessIT {
  private static final Path ROOTFS = BusyboxRootfs.withPage("hello from a rootless poc\n");

  @BeforeAll
  static void asAnOrdinaryUser() {
    assumeTrue(!"root".equals(System.getProperty("user.name")), "runs as an ordinary user: mvn -Prootless as one");
  }

  @Managed
  static PocContainer web = new PocContainer("httpd", "-f", "-p", "80", "-h", "/www")
      .withRootfs(Rootfs.directory(ROOTFS))
      .withNetwork(Network.BRIDGE)
      .withExposedPorts(80)
      .withNamePrefix("web")
      .waitingFor(Wait.forListeningPort(80));

  @Test
  void theRuntimeIsRootless(ContainerRuntime runtime) {
    assertThat(runtime.isRootless()).isTrue();
    assertThat(runtime.info().check("mode").orElseThrow().detail()).startsWith("rootless");
  }

  @Test
  void busyboxHttpdAnswersThroughItsPublishedPort() throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(
        URI.create("http://" + web.host() + ":" + web.port(80) + "/index.html")).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("hello from a rootless poc\n");
  }

  @Test
  void rootInsideIsThisUserOutsideAndWhatItWritesIsTheUsers(ContainerRuntime runtime, @TempDir Path volume)
      throws Exception {
    long uid = (Integer) Files.getAttribute(volume, "unix:uid");
    try (PocContainer c = new PocContainer("sh", "-c", "head -1 /proc/self/uid_map; id -u; echo data > /data/out; sleep 1000")
        .withRootfs(Rootfs.directory(ROOTFS))
        .withBind(volume, "/data", false)
        .withNamePrefix("ids")
        .waitingFor(Wait.forLogLine("^0$"))
        .start(runtime)) {
      String map = c.logLines().get(0).trim().replaceAll("\\s+", " ");
      assertThat(map).startsWith("0 " + uid + " ");
      ExecResult r = c.exec("cat", "/data/out");
      assertThat(r.stdout()).isEqualTo("data\n");
      assertThat(Files.getAttribute(volume.resolve("out"), "unix:uid")).isEqualTo((int) uid);
    }
  }

  @Test
  void anExitCodeComesBackAndAStopEndsAContainer(ContainerRuntime runtime) throws Exception {
    try (PocContainer sleeper = new PocContainer("sleep", "1000").withRootfs(Rootfs.directory(ROOTFS))
        .withNamePrefix("sleeper").start(runtime)) {
      assertThat(sleeper.isRunning()).isTrue();
      ExecResult r = sleeper.exec("sh", "-c", "exit 7");
      assertThat(r.exitCode()).isEqualTo(7);
      sleeper.stop();
      assertThat(sleeper.isRunning()).isFalse();
    }
  }
}
