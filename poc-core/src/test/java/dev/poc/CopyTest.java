package dev.poc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files in before the start and in and out of a running or ended container, resolved inside its root. */
class CopyTest {
  private static ContainerRuntime runtime;

  @BeforeAll
  static void open() throws Exception {
    runtime = ContainerRuntime.open(TestRootfs.stateRoot());
  }

  @AfterAll
  static void close() {
    runtime.close();
  }

  /** A busybox root of the test's own: the copies land in it. */
  private static Path freshRoot(Path tmp) throws Exception {
    Path root = tmp.resolve("root");
    TestRootfs.makeBusybox(root);
    return root;
  }

  private static String out(Container c) throws Exception {
    String s = new String(c.stdout().readAllBytes(), StandardCharsets.UTF_8);
    c.waitFor();
    return s;
  }

  @Test
  void filesDirectoriesAndBytesGoInWithTheirModesBeforeTheCommandStarts(@TempDir Path tmp) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("conf"));
    Files.writeString(dir.resolve("app.properties"), "greeting=hi\n");
    Files.setPosixFilePermissions(dir.resolve("app.properties"), PosixFilePermissions.fromString("rw-------"));
    Files.createDirectories(dir.resolve("sub"));
    Files.writeString(dir.resolve("sub/run.sh"), "#!/bin/sh\necho ran\n");
    Files.setPosixFilePermissions(dir.resolve("sub/run.sh"), PosixFilePermissions.fromString("rwxr-x---"));
    Files.setPosixFilePermissions(dir.resolve("sub"), PosixFilePermissions.fromString("rwxr-x---"));
    Files.createSymbolicLink(dir.resolve("link"), Path.of("app.properties"));
    Path single = Files.writeString(tmp.resolve("single.txt"), "one file\n");
    try (Container c = runtime.container().name(TestRootfs.uniqueName("cpin"))
        .rootfs(Rootfs.directory(freshRoot(tmp)))
        .copyToContainer(dir, "/tmp/conf")
        .copyToContainer(single, "/tmp/deep/er/single.txt")
        .copyToContainer("#!/bin/sh\necho from bytes\n".getBytes(StandardCharsets.UTF_8), 0750, "/tmp/bytes.sh")
        .command("sh", "-c", "cd /tmp && stat -c '%a %n' conf/app.properties conf/sub conf/sub/run.sh bytes.sh;"
            + " readlink conf/link; cat conf/link deep/er/single.txt; conf/sub/run.sh; ./bytes.sh")
        .start()) {
      assertThat(out(c)).isEqualTo("600 conf/app.properties\n750 conf/sub\n750 conf/sub/run.sh\n750 bytes.sh\n"
          + "app.properties\ngreeting=hi\none file\nran\nfrom bytes\n");
    }
  }

  @Test
  void aSymlinkInTheRootThatNamesAHostPathNeverLeadsACopyOntoTheHost(@TempDir Path tmp) throws Exception {
    Path root = freshRoot(tmp);
    Path hostDir = Files.createDirectories(tmp.resolve("host-secrets"));
    Path hostFile = Files.writeString(hostDir.resolve("secret"), "host secret\n");
    // The image's links name host paths: as the container sees them, they are paths of its own root.
    Files.createSymbolicLink(root.resolve("etc/evil"), hostFile);
    Files.createSymbolicLink(root.resolve("leak"), hostDir);
    Files.createDirectories(root.resolve(hostDir.toString().substring(1)));
    try (Container c = runtime.container().name(TestRootfs.uniqueName("cpln")).rootfs(Rootfs.directory(root))
        .copyToContainer("written in\n".getBytes(StandardCharsets.UTF_8), 0644, "/etc/evil")
        .command("sleep", "60").start()) {
      assertThat(Files.readString(hostFile)).isEqualTo("host secret\n"); // the host's file is untouched
      assertThat(Files.readString(root.resolve(hostFile.toString().substring(1)))).isEqualTo("written in\n");
      c.copyToContainer("again\n".getBytes(StandardCharsets.UTF_8), 0600, "/leak/secret");
      assertThat(Files.readString(hostFile)).isEqualTo("host secret\n");
      assertThat(Files.readString(root.resolve(hostFile.toString().substring(1)))).isEqualTo("again\n");
      // Out: the link itself, never what it names on the host.
      Path outLink = tmp.resolve("out-link");
      c.copyFromContainer("/etc/evil", outLink);
      assertThat(Files.isSymbolicLink(outLink)).isTrue();
      Path outDir = tmp.resolve("out-leak");
      c.copyFromContainer("/leak/", outDir);
      assertThat(Files.readString(outDir.resolve("secret"))).isEqualTo("again\n"); // the container's copy
      Files.delete(root.resolve(hostFile.toString().substring(1)));
      assertThatThrownBy(() -> c.copyFromContainer("/leak/secret", tmp.resolve("never")))
          .isInstanceOf(PocException.class).hasMessageContaining("No such file");
      assertThat(tmp.resolve("never")).doesNotExist();
    }
  }

  @Test
  void filesComeOutOfARunningAndOfAnEndedContainer(@TempDir Path tmp) throws Exception {
    Path root = freshRoot(tmp);
    try (Container c = runtime.container().name(TestRootfs.uniqueName("cpout")).rootfs(Rootfs.directory(root))
        .command("sh", "-c", "mkdir -p /data/d && echo made > /data/d/f && chmod 640 /data/d/f && ln -s d/f /data/l;"
            + " echo ready; read x; echo late > /data/late")
        .start()) {
      try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(c.stdout()))) {
        assertThat(lines.readLine()).isEqualTo("ready");
        c.copyFromContainer("/data", tmp.resolve("data"));
        assertThat(Files.readString(tmp.resolve("data/d/f"))).isEqualTo("made\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("data/d/f")))).isEqualTo("rw-r-----");
        assertThat(Files.readSymbolicLink(tmp.resolve("data/l"))).isEqualTo(Path.of("d/f"));
        c.copyToContainer(Files.writeString(tmp.resolve("in"), "in\n"), "/data/in");
        c.stdin().write("go\n".getBytes());
        c.stdin().flush();
        assertThat(c.waitFor()).isZero();
      }
      c.copyFromContainer("/data/late", tmp.resolve("late")); // its root is a directory: it outlives it
      assertThat(Files.readString(tmp.resolve("late"))).isEqualTo("late\n");
      assertThat(Files.readString(root.resolve("data/in"))).isEqualTo("in\n");
    }
  }
}
