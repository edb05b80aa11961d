package dev.poc;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * Test fixtures for poc-oci: a bundle (busybox rootfs and a config.json shaped like the one {@code
 * runc spec} writes), and poc-oci itself as an executable script over this JVM's class path, the
 * way an engine execs it.
 */
final class OciBundles {
  private static final ObjectMapper JSON = new ObjectMapper();

  private OciBundles() {}

  /** A bundle in {@code dir} running {@code args}: rootfs/ from busybox-static and config.json. */
  static Path bundle(Path dir, String... args) throws IOException, InterruptedException {
    TestRootfs.makeBusybox(dir.resolve("rootfs"));
    writeConfig(dir, config(args));
    return dir;
  }

  static void writeConfig(Path bundle, ObjectNode config) throws IOException {
    Files.writeString(bundle.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config));
  }

  /** runc spec's default config (runc 1.1), without the terminal, running {@code args}. */
  static ObjectNode config(String... args) {
    ObjectNode c = JSON.createObjectNode();
    c.put("ociVersion", "1.0.2-dev");
    ObjectNode p = c.putObject("process");
    p.put("terminal", false);
    p.putObject("user").put("uid", 0).put("gid", 0);
    ArrayNode a = p.putArray("args");
    for (String s : args) {
      a.add(s);
    }
    p.putArray("env").add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").add("TERM=xterm");
    p.put("cwd", "/");
    ObjectNode caps = p.putObject("capabilities");
    for (String set : new String[] {"bounding", "effective", "permitted", "ambient"}) {
      caps.putArray(set).add("CAP_AUDIT_WRITE").add("CAP_KILL").add("CAP_NET_BIND_SERVICE");
    }
    p.putArray("rlimits").addObject().put("type", "RLIMIT_NOFILE").put("hard", 1024).put("soft", 1024);
    p.put("noNewPrivileges", true);
    c.putObject("root").put("path", "rootfs").put("readonly", true);
    c.put("hostname", "runc");
    ArrayNode m = c.putArray("mounts");
    m.addObject().put("destination", "/proc").put("type", "proc").put("source", "proc");
    mount(m, "/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k");
    mount(m, "/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5");
    mount(m, "/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k");
    mount(m, "/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev");
    mount(m, "/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro");
    mount(m, "/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "relatime", "ro");
    ObjectNode linux = c.putObject("linux");
    linux.putObject("resources").putArray("devices").addObject().put("allow", false).put("access", "rwm");
    ArrayNode ns = linux.putArray("namespaces");
    for (String t : new String[] {"pid", "network", "ipc", "uts", "mount"}) {
      ns.addObject().put("type", t);
    }
    ArrayNode masked = linux.putArray("maskedPaths");
    for (String s : new String[] {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"}) {
      masked.add(s);
    }
    ArrayNode ro = linux.putArray("readonlyPaths");
    for (String s : new String[] {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}) {
      ro.add(s);
    }
    return c;
  }

  private static void mount(ArrayNode mounts, String dest, String type, String source, String... options) {
    ObjectNode o = mounts.addObject().put("destination", dest).put("type", type).put("source", source);
    ArrayNode opts = o.putArray("options");
    for (String s : options) {
      opts.add(s);
    }
  }

  /** An executable {@code poc-oci} in {@code dir}: this JVM's java and class path, OciMain. */
  static Path launcher(Path dir) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Path script = dir.resolve("poc-oci");
    Files.writeString(script, "#!/bin/sh\nexec '" + java + "' -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "
        + "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp '" + cp + "' dev.poc.oci.OciMain \"$@\"\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  /**
   * An executable {@code poc-oci} in {@code dir} as ./poc-oci runs it: the native front
   * (poc-core's target/poc-oci-front), handing what it does not answer to {@link #launcher}.
   */
  static Path frontLauncher(Path dir) throws IOException {
    Path front = Path.of("target/poc-oci-front").toAbsolutePath();
    if (!Files.isExecutable(front)) {
      throw new IllegalStateException(front + " is missing: poc-core's build (generate-resources) compiles it");
    }
    Path jvm = launcher(dir);
    Path script = dir.resolve("poc-oci-front");
    Files.writeString(script, "#!/bin/sh\nPOC_OCI_LAUNCHER='" + jvm + "' exec '" + front + "' \"$@\"\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  /** The outcome of one command: its exit code, stdout and stderr. */
  /**
   * As {@link #frontLauncher}, with poc-oci's create server: the front sends creates to a server
   * under {@code dir/srv}, which the JVM's poc-oci starts (as ./poc-oci does) when a create finds
   * none; it leaves after 5 idle seconds, and {@link #stopServers} ends it at once. The class path's
   * OciServer.class stands for the jar whose change makes a server stale.
   */
  static Path frontLauncherWithServer(Path dir) throws IOException {
    Path front = Path.of("target/poc-oci-front").toAbsolutePath();
    if (!Files.isExecutable(front)) {
      throw new IllegalStateException(front + " is missing: poc-core's build (generate-resources) compiles it");
    }
    String java = ProcessHandle.current().info().command().orElse("java");
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Path identity = Path.of("target/classes/dev/poc/oci/OciServer.class").toAbsolutePath();
    String opts = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp '" + cp + "'";
    Path jvm = dir.resolve("poc-oci-jvm");
    Files.writeString(jvm, "#!/bin/sh\n"
        + "s=${POC_OCI_SERVER_SOCKET:-}\n"
        + "for a in \"$@\"; do\n"
        + "  if [ \"$a\" = create ] && [ -n \"$s\" ] && [ \"${POC_OCI_SERVER_NONE:-}\" = 1 ] && mkdir -p -m 700 \"${s%/*}\" && mkdir \"$s.starting\" 2>/dev/null; then\n"
        + "    (cd / && POC_OCI_SERVER_IDLE=5 setsid -f '" + java + "' " + opts + " dev.poc.oci.OciServer \"$s\" '" + identity
        + "' </dev/null >/dev/null 2>>'" + dir.resolve("server.log") + "')\n"
        + "    break\n"
        + "  fi\n"
        + "done\n"
        + "exec '" + java + "' " + opts + " dev.poc.oci.OciMain \"$@\"\n");
    Files.setPosixFilePermissions(jvm, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path script = dir.resolve("poc-oci-front");
    Files.writeString(script, "#!/bin/sh\nPOC_OCI_LAUNCHER='" + jvm + "' POC_OCI_JAR='" + identity + "' POC_OCI_SERVER_DIR='"
        + dir.resolve("srv") + "' exec '" + front + "' \"$@\"\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  /** Ends the create servers {@link #frontLauncherWithServer} started under {@code dir}, and waits for them. */
  static void stopServers(Path dir) throws IOException {
    Path srv = dir.resolve("srv");
    if (!Files.isDirectory(srv)) {
      return;
    }
    try (var files = Files.list(srv)) {
      for (Path pidFile : files.filter(f -> f.toString().endsWith(".sock.pid")).toList()) {
        try {
          ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim())).ifPresent(p -> {
            p.destroy();
            p.onExit().join();
          });
        } catch (IOException | NumberFormatException e) {
          // gone as it was read: it removes its pid file on the way out
        }
      }
    }
  }

  /** Whether a create server served a create under {@code dir}: it ran (its lock file exists). */
  static boolean serverRan(Path dir) throws IOException {
    Path srv = dir.resolve("srv");
    if (!Files.isDirectory(srv)) {
      return false;
    }
    try (var files = Files.list(srv)) {
      return files.anyMatch(f -> f.toString().endsWith(".sock.lock"));
    }
  }

  /** Waits (no limit of its own: the build's) until the server {@link #frontLauncherWithServer} started listens. */
  static void awaitServer(Path dir) throws IOException, InterruptedException {
    Path srv = dir.resolve("srv");
    for (;;) {
      if (Files.isDirectory(srv)) {
        try (var files = Files.list(srv)) {
          if (files.anyMatch(f -> f.toString().endsWith(".sock"))) {
            return;
          }
        }
      }
      Thread.sleep(20);
    }
  }

  record Result(int code, String out, String err) {}

  /** Runs {@code cmd} in {@code cwd}, stdout and stderr to files (so a container may keep them). */
  static Result run(Path cwd, List<String> cmd) throws IOException, InterruptedException {
    Path out = Files.createTempFile(cwd, "out", ".txt");
    Path err = Files.createTempFile(cwd, "err", ".txt");
    Process p = new ProcessBuilder(new ArrayList<>(cmd)).directory(cwd.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    int code = p.waitFor();
    Result r = new Result(code, Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    Files.delete(out);
    Files.delete(err);
    return r;
  }
}
