package dev.poc.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.poc.Capability;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** exec's process.json (as containerd's shim writes it for docker exec) and exec's flags. */
class ExecProcessTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final List<String> log = new ArrayList<>();

  private ExecProcess read(String json) throws Exception {
    return ExecProcess.read(JSON.readTree(json), "process.json", log::add);
  }

  @Test
  void readsWhatDockerExecSends() throws Exception {
    ExecProcess p = read("""
        {"terminal": true, "consoleSize": {"height": 24, "width": 80}, "user": {"uid": 1000, "gid": 100,
         "additionalGids": [10, 20]}, "args": ["sh"], "env": ["PATH=/bin", "A=b=c"], "cwd": "/work",
         "capabilities": {"bounding": ["CAP_KILL", "CAP_CHOWN"], "effective": ["CAP_KILL", "CAP_CHOWN"],
                          "permitted": ["CAP_KILL", "CAP_CHOWN"]},
         "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 2048}],
         "apparmorProfile": "docker-default", "noNewPrivileges": true, "oomScoreAdj": 5}
        """);
    assertThat(p.args()).containsExactly("sh");
    assertThat(p.env()).containsExactly("PATH=/bin", "A=b=c");
    assertThat(p.cwd()).isEqualTo("/work");
    assertThat(p.uid()).isEqualTo(1000);
    assertThat(p.gid()).isEqualTo(100);
    assertThat(p.groups()).containsExactly(10, 20);
    assertThat(p.tty()).isTrue();
    assertThat(p.rows()).isEqualTo(24);
    assertThat(p.cols()).isEqualTo(80);
    assertThat(p.capabilities().getAsLong()).isEqualTo(Capability.mask(EnumSet.of(Capability.KILL, Capability.CHOWN)));
    assertThat(p.rlimits()).singleElement().satisfies(l -> {
      assertThat(l.soft()).isEqualTo(1024);
      assertThat(l.hard()).isEqualTo(2048);
    });
    assertThat(p.oomScoreAdj()).hasValue(5);
    assertThat(log).singleElement().asString().contains("apparmorProfile 'docker-default' is ignored");
  }

  @Test
  void withoutCapabilitiesTheContainersApply() throws Exception {
    assertThat(read("{\"args\": [\"true\"]}").capabilities()).isEmpty();
  }

  @Test
  void refusesByFieldPath() {
    assertThatThrownBy(() -> read("{\"args\": [\"true\"], \"frobnicate\": 1}"))
        .hasMessage("process.json: process.frobnicate is not a field poc knows or supports: drop it");
    assertThatThrownBy(() -> read("{\"args\": []}")).hasMessageContaining("process.args is empty");
    assertThatThrownBy(() -> read("{\"args\": [\"true\"], \"cwd\": \"tmp\"}")).hasMessageContaining("process.cwd is 'tmp'");
    assertThatThrownBy(() -> read("{\"args\": [\"true\"], \"env\": [\"NOEQUALS\"]}"))
        .hasMessageContaining("'NOEQUALS', which is not NAME=VALUE");
    assertThatThrownBy(() -> read("{\"args\": [\"true\"], \"rlimits\": [{\"type\": \"RLIMIT_NOPE\"}]}"))
        .hasMessageContaining("process.rlimits[0].type is 'RLIMIT_NOPE'");
  }

  @Test
  void flagsMakeAProcessWithAPath() {
    ExecProcess p = ExecProcess.ofFlags(List.of("ls", "-l"), List.of("A=1"), "/tmp", true, "1000:100");
    assertThat(p.env()).containsExactly("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", "A=1");
    assertThat(p.uid()).isEqualTo(1000);
    assertThat(p.gid()).isEqualTo(100);
    assertThatThrownBy(() -> ExecProcess.ofFlags(List.of(), List.of(), null, false, null))
        .hasMessageContaining("exec needs a command");
    assertThatThrownBy(() -> ExecProcess.ofFlags(List.of("true"), List.of(), null, false, "alice"))
        .hasMessageContaining("--user 'alice' is not UID[:GID]");
  }
}
