package dev.poc.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poc.ContainerRuntime;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Testcontainers' everyday GenericContainer features, as the harness offers them. */
@PocTest
class HarnessFeaturesIT {

  @Test
  void dependenciesStartFirstAndStopAfter(ContainerRuntime runtime) {
    PocContainer db = new PocContainer("sh", "-c", "echo db up; exec sleep 1000").withNamePrefix("db")
        .waitingFor(Wait.forLogLine("db up"));
    PocContainer app = new PocContainer("sleep", "1000").withNamePrefix("app").dependsOn(db);
    app.start(runtime);
    assertThat(db.isRunning()).isTrue();
    assertThat(db.container().spec().stopTimeout()).isEqualTo(Duration.ofSeconds(2));
    var appContainer = app.container();
    var dbContainer = db.container();
    app.stop();
    assertThat(appContainer.isRunning()).isFalse();
    assertThat(dbContainer.isRunning()).isFalse(); // stopped after it
  }

  @Test
  void anHttpWaitAndACountingLogWait(ContainerRuntime runtime) {
    try (PocContainer web = new PocContainer("sh", "-c", "echo tick; echo tick; sleep 0.3;"
        + " exec busybox httpd -f -p 8081 -h /tmp/www")
        .withCopyToContainer("ok\n".getBytes(StandardCharsets.UTF_8), 0644, "/tmp/www/index.html")
        .waitingFor(Wait.forHttp("/").forPort(8081).forStatusCode(200))
        .start(runtime)) {
      assertThat(web.exec("busybox", "wget", "-qO-", "http://127.0.0.1:8081/").stdout()).isEqualTo("ok\n");
    }
    try (PocContainer ticks = new PocContainer("sh", "-c", "echo tick; echo tick; echo tick; exec sleep 1000")
        .waitingFor(Wait.forLogLine("^tick$").times(3)).start(runtime)) {
      assertThat(ticks.logLines()).containsExactly("tick", "tick", "tick");
    }
    PocContainer never = new PocContainer("sh", "-c", "echo tick; exec sleep 1000")
        .waitingFor(Wait.forLogLine("^tick$").times(2).withTimeout(Duration.ofMillis(500)));
    assertThatThrownBy(() -> never.start(runtime)).isInstanceOf(ContainerNotReadyException.class)
        .hasMessageContaining("2 log lines matching /^tick$/");
    PocContainer notFound = new PocContainer("busybox", "httpd", "-f", "-p", "8082", "-h", "/tmp")
        .waitingFor(Wait.forHttp("/missing").forPort(8082).withTimeout(Duration.ofMillis(800)));
    assertThatThrownBy(() -> notFound.start(runtime)).isInstanceOf(ContainerNotReadyException.class)
        .hasMessageContaining("HTTP GET /missing on port 8082 to answer 200");
  }

  @Test
  void tmpfsLabelWorkdirUserShmAndBytes(ContainerRuntime runtime, @TempDir Path tmp) throws Exception {
    try (PocContainer c = new PocContainer("sleep", "1000")
        .withTmpFs(Map.of("/scratch", "size=1m"))
        .withLabel("team", "payments")
        .withWorkingDirectory("/scratch")
        .withUser("nobody")
        .withSharedMemorySize(8L << 20)
        .start(runtime)) {
      ExecResult r = c.exec("sh", "-c", "grep -E ' /scratch | /dev/shm ' /proc/mounts | cut -d' ' -f2,4 | sed 's/,.*size=/ /;s/,.*//'");
      assertThat(r.stdout()).contains("/scratch").contains("/dev/shm");
      assertThat(c.exec("sh", "-c", "df -k /dev/shm | tail -1 | awk '{print $2}'").stdout().trim()).isEqualTo("8192");
      assertThat(c.container().spec().labels()).containsEntry("team", "payments");
      assertThat(c.container().spec().uid()).isEqualTo(65534);
      assertThat(c.container().spec().cwd()).isEqualTo("/scratch");
      ExecResult bin = c.exec("sh", "-c", "printf '\\000\\377\\001'");
      assertThat(bin.stdoutBytes()).containsExactly(0, 0xff, 1);
      c.container().copyToContainer("x\n".getBytes(), 0644, "/tmp/x");
      c.copyFileFromContainer("/tmp/x", tmp.resolve("x"));
      assertThat(Files.readString(tmp.resolve("x"))).isEqualTo("x\n");
    }
    try (PocContainer root = new PocContainer("sleep", "1000").withPrivilegedMode(true).start(runtime)) {
      assertThat(root.exec("sh", "-c", "grep -E '^(CapEff|Seccomp):' /proc/self/status").stdout())
          .doesNotContain("CapEff:\t00000000a80425fb").contains("Seccomp:\t0\n"); // not Docker's 14; no filter
    }
  }
}
