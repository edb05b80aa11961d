package dev.poc;

import dev.poc.storage.Debootstrap;
import dev.poc.storage.DockerEngine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * debootstrap from the mirror apt uses here (about a minute: the only test that bootstraps), and a
 * sysbench run on a disk over the result. Tagged slow; CI runs it.
 */
@Tag("slow")
class DebootstrapTest extends StateRootTest {

  @Test
  void initWithoutDockerBootstrapsDebianAndSysbenchRunsOnADisk() throws Exception {
    List<String> said = new ArrayList<>();
    long t0 = System.nanoTime();
    Image image = rt.images().init(new DockerEngine(state.resolve("no-docker.sock")), Debootstrap.isInstalled(), line -> {
      said.add(line);
      if (!line.startsWith("I: Retrieving") && !line.startsWith("I: Validating")) {
        System.out.println(line);
      }
    });
    System.out.printf("debootstrap took %d s%n", (System.nanoTime() - t0) / 1_000_000_000);
    assertThat(image.kind()).isEqualTo(Image.Kind.DEBOOTSTRAP);
    assertThat(said.get(0)).contains("no Docker").contains("debootstrap is installed");
    assertThat(said).anyMatch(l -> l.startsWith("I: Retrieving")); // long steps show progress
    assertThat(state.resolve("images/default/rootfs/usr/bin/sysbench")).isExecutable();

    String name = TestRootfs.uniqueName("deb");
    rt.build(name, "2G");
    StorageFixtures.Run r = StorageFixtures.run(rt, name,
        "sysbench cpu --threads=1 --time=2 run | grep -E 'events per second|total number of events'; "
            + "ip -o link show lo | cut -d' ' -f2; ping -c 1 -W 2 127.0.0.1 | grep -c '1 received'; ps -e | wc -l; "
            + "cat /etc/debian_version");
    System.out.println(r.out());
    assertThat(r.exit()).as(r.out()).isZero();
    assertThat(r.out()).contains("events per second:").contains("lo:");
    assertThat(r.out().lines()).contains("1");
  }

  @Test
  void withoutTheMirrorItFailsClearlyAndLeavesNothing() throws Exception {
    URI nowhere = URI.create("http://127.0.0.1:9/");
    assertThatThrownBy(() -> rt.images().debootstrap("nonet", "bookworm", nowhere, Progress.none()))
        .isInstanceOf(PocException.class)
        .hasMessageContaining("bootstrapping Debian bookworm from http://127.0.0.1:9/")
        .hasMessageContaining("debootstrap failed")
        .hasMessageContaining("check that this machine reaches http://127.0.0.1:9/");
    assertThat(rt.images().list()).isEmpty();
    try (var left = Files.list(state.resolve("images"))) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void theMirrorIsTheOneAptUses() {
    String deb822 = "Types: deb\n# comment\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\n"
        + "Components: main\n\nTypes: deb\nURIs: http://security.example/debian-security\nSuites: bookworm-security\n";
    assertThat(Debootstrap.mirrorIn(deb822, "bookworm")).contains(URI.create("http://mirror.example/debian"));
    assertThat(Debootstrap.mirrorIn(deb822, "trixie")).isEmpty();
    String list = "# old style\ndeb [arch=amd64 signed-by=/k.gpg] http://old.example/debian bookworm main\n";
    assertThat(Debootstrap.mirrorIn(list, "bookworm")).contains(URI.create("http://old.example/debian"));
    assertThat(Debootstrap.mirrorIn("deb-src http://src.example/debian bookworm main\n", "bookworm")).isEmpty();
  }
}
