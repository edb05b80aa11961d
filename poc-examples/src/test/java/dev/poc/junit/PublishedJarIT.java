package dev.poc.junit;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.hash.Hashing;
import dev.poc.Container;
import dev.poc.ContainerRuntime;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** poc-examples uses poc-core as a user's project does: the packaged jar, with poc-init inside it. */
@PocTest
class PublishedJarIT {
  @Test
  void pocCoreIsThePackagedJarAndPocInitComesOutOfIt(ContainerRuntime runtime) throws Exception {
    Path jar = Path.of(Container.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    assertThat(jar.getFileName().toString()).matches("poc-core-.*\\.jar");
    assertThat(Files.isRegularFile(jar)).isTrue();
    var resource = Container.class.getResource("/dev/poc/native/poc-init");
    assertThat(resource.getProtocol()).isEqualTo("jar");
    byte[] helper;
    try (InputStream in = resource.openStream()) {
      helper = in.readAllBytes();
    }
    String hash = Hashing.sha256().hashBytes(helper).toString().substring(0, 16);
    try (PocContainer c = new PocContainer("sleep", "100").start(runtime)) {
      // The helper runs from a sealed copy of itself; argv[0] is the file it was started from. The init
      // (the container's PID 1) blanks its copy of that line, so read the host-side helper's, its parent.
      long helperPid = ProcessHandle.of(c.container().pid()).flatMap(ProcessHandle::parent).orElseThrow().pid();
      String cmdline = Files.readString(Path.of("/proc/" + helperPid + "/cmdline"));
      assertThat(cmdline.split("\0")[0]).isEqualTo("/run/poc/bin/poc-init-" + hash); // the bytes from the jar, unpacked
      assertThat(Files.readAllBytes(Path.of("/run/poc/bin/poc-init-" + hash))).isEqualTo(helper);
    }
  }
}
