package dev.poc.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poc.ContainerRuntime;
import dev.poc.Network;
import dev.poc.NetworkSettings;
import dev.poc.Rootfs;
import dev.poc.RunInfo;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Testcontainers' withReuse: with {@code poc.reuse.enable=true}, a second harness container of the
 * same spec is the first one (same name, same pid, same published port), a changed spec is a new
 * one, and neither is stopped by {@link PocContainer#stop()}; without the setting, withReuse does
 * nothing. The user's settings (state root and network) point at this test's own for its length.
 */
class HarnessReuseIT {
  private static final Path ROOTFS = BusyboxRootfs.withPage("reused\n");
  private static final List<String> PROPERTIES = List.of(Reuse.PROPERTY, "poc.stateRoot", "poc.bridge",
      "poc.bridgeSubnet", "poc.defaultSubnet", "poc.chainPrefix");

  private TestNetwork network;
  private Path stateRoot;

  @BeforeEach
  void pointTheUsersSettingsAtThisTest() throws Exception {
    network = TestNetwork.reserve();
    stateRoot = Files.createTempDirectory("poc-reuse-");
    NetworkSettings s = network.settings();
    System.setProperty("poc.stateRoot", stateRoot.toString());
    System.setProperty("poc.bridge", s.bridgeName());
    System.setProperty("poc.bridgeSubnet", s.bridgeSubnet());
    System.setProperty("poc.defaultSubnet", s.defaultSubnet());
    System.setProperty("poc.chainPrefix", s.chainPrefix());
  }

  @AfterEach
  void stopWhatItStartedAndRestoreTheSettings() throws Exception {
    try {
      ContainerRuntime rt = Reuse.runtime();
      for (RunInfo r : rt.runs()) {
        rt.stop(r.name(), Duration.ofSeconds(2));
      }
      for (String ended : rt.ended().keySet()) {
        rt.remove(ended, true); // their logs
      }
      rt.pruneNetwork();
    } finally {
      Reuse.forgetRuntimes();
      PROPERTIES.forEach(System::clearProperty);
      network.close();
      try (var all = Files.walk(stateRoot)) {
        for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private static PocContainer web(String page) {
    return new PocContainer("httpd", "-f", "-p", "80", "-h", "/www")
        .withRootfs(Rootfs.directory(ROOTFS))
        .withNetwork(Network.BRIDGE)
        .withExposedPorts(80)
        .withEnv("PAGE", page)
        .withNamePrefix("reuse")
        .withReuse(true)
        .waitingFor(Wait.forListeningPort(80));
  }

  @Test
  void theSameSpecIsTheSameContainerAndOutlivesStop() throws Exception {
    System.setProperty(Reuse.PROPERTY, "true");
    ContainerRuntime classRuntime = Reuse.runtime(); // any runtime: a reusable one runs on the user's
    PocContainer first = web("a").start(classRuntime);
    String name = first.name();
    int pid = first.pid();
    int port = first.port(80);
    assertThat(Reuse.runtime().runs()).extracting(RunInfo::name).containsExactly(name);
    assertThat(Reuse.runtime().runs().get(0).labels()).containsKey(Reuse.LABEL);
    first.stop();
    assertThat(Reuse.runtime().runs()).as("stop leaves a reusable container running").extracting(RunInfo::name)
        .containsExactly(name);

    PocContainer second = web("a").start(classRuntime); // another instance: finds it through the state root
    assertThat(second.name()).isEqualTo(name);
    assertThat(second.pid()).isEqualTo(pid);
    assertThat(second.port(80)).isEqualTo(port);
    assertThat(get("http://127.0.0.1:" + second.port(80) + "/index.html")).isEqualTo("reused\n");
    assertThat(second.exec("cat", "/www/index.html").stdout()).as("exec by name").isEqualTo("reused\n");
    second.stop();

    PocContainer changed = web("b").start(classRuntime);
    String changedName = changed.name();
    assertThat(changedName).isNotEqualTo(name);
    assertThat(changed.pid()).isNotEqualTo(pid);
    assertThat(changed.port(80)).isNotEqualTo(port);
    changed.stop();
    assertThat(Reuse.runtime().runs()).extracting(RunInfo::name).containsExactlyInAnyOrder(name, changedName);
  }

  @Test
  void withoutTheUsersSettingReuseIsOff() throws Exception {
    System.setProperty(Reuse.PROPERTY, "false");
    ContainerRuntime rt = Reuse.runtime();
    PocContainer one = web("a").start(rt);
    PocContainer two = web("a").start(rt);
    try {
      assertThat(two.name()).isNotEqualTo(one.name());
      assertThat(two.pid()).isNotEqualTo(one.pid());
      assertThat(rt.runs().get(0).labels()).doesNotContainKey(Reuse.LABEL);
    } finally {
      one.stop();
      two.stop();
    }
    assertThat(rt.runs()).as("stopped as usual").isEmpty();
  }

  private static String get(String url) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(url).isEqualTo(200);
    return r.body();
  }
}
