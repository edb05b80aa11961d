package dev.poc.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.poc.seccomp.Seccomp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * An OCI bundle (config.json) as close to what poc-init sets up as runc and crun allow: the same
 * busybox root, the five namespaces, Docker's 14 capabilities, no_new_privs, the same mounts
 * (proc, sysfs ro, tmpfs /dev, devpts, shm, mqueue, the three /etc files bound in) and the same
 * masked and read-only /proc and /sys paths, and the same seccomp profile (Docker's default).
 */
final class OciBundle {
  /** Docker's default capabilities: the set poc-init keeps. */
  static final List<String> DOCKER_CAPS = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
      "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
      "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");
  /** poc-init's masked files and directories (bound over with /dev/null or an empty read-only tmpfs). */
  static final List<String> MASKED = List.of("/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/latency_stats",
      "/proc/sched_debug", "/proc/timer_stats", "/proc/kallsyms", "/proc/kmsg", "/proc/acpi", "/proc/scsi",
      "/proc/asound", "/sys/firmware", "/sys/devices/virtual/powercap");
  /** poc-init's read-only /proc paths. */
  static final List<String> READ_ONLY = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");
  static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private OciBundle() {}

  /** Writes {@code dir/config.json} (and the /etc files it binds) for {@code args} in {@code rootfs}. */
  static Path write(Path dir, Path rootfs, List<String> args, OptionalLong memoryBytes) throws IOException {
    Files.createDirectories(dir);
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("ociVersion", "1.0.2");
    config.put("process", process(args));
    config.put("root", Map.of("path", rootfs.toAbsolutePath().toString(), "readonly", false));
    config.put("hostname", "bench");
    config.put("mounts", mounts(dir));
    Map<String, Object> linux = new LinkedHashMap<>();
    linux.put("namespaces", List.of(ns("pid"), ns("ipc"), ns("uts"), ns("mount"), ns("network")));
    linux.put("maskedPaths", MASKED);
    linux.put("readonlyPaths", READ_ONLY);
    linux.put("seccomp", seccomp());
    if (memoryBytes.isPresent()) {
      linux.put("resources", Map.of("memory", Map.of("limit", memoryBytes.getAsLong())));
    }
    config.put("linux", linux);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("config.json").toFile(), config);
    return dir;
  }

  /** poc's default profile (Docker's, io_uring refused) as Docker hands it to runc for these capabilities. */
  private static Object seccomp() throws IOException {
    String json = Seccomp.dockerDefault().ociJson(java.util.Set.copyOf(DOCKER_CAPS)).orElseThrow();
    return new ObjectMapper().readTree(json);
  }

  private static Map<String, Object> process(List<String> args) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("terminal", false);
    p.put("user", Map.of("uid", 0, "gid", 0));
    p.put("args", args);
    p.put("env", List.of("PATH=" + PATH, "HOSTNAME=bench", "HOME=/root"));
    p.put("cwd", "/");
    p.put("capabilities", Map.of("bounding", DOCKER_CAPS, "effective", DOCKER_CAPS, "permitted", DOCKER_CAPS));
    p.put("noNewPrivileges", true);
    return p;
  }

  private static List<Map<String, Object>> mounts(Path dir) throws IOException {
    List<Map<String, Object>> m = new ArrayList<>();
    m.add(mount("/proc", "proc", "proc", "nosuid", "noexec", "nodev"));
    m.add(mount("/dev", "tmpfs", "tmpfs", "nosuid", "noexec", "mode=755", "size=65536k"));
    m.add(mount("/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"));
    m.add(mount("/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k"));
    m.add(mount("/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev"));
    m.add(mount("/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro"));
    Path etc = Files.createDirectories(dir.resolve("etc-files"));
    Files.writeString(etc.resolve("hosts"), "127.0.0.1\tlocalhost\n127.0.1.1\tbench\n");
    Files.writeString(etc.resolve("hostname"), "bench\n");
    Files.writeString(etc.resolve("resolv.conf"), "nameserver 192.0.2.1\n");
    for (String f : List.of("hosts", "hostname", "resolv.conf")) {
      m.add(mount("/etc/" + f, "bind", etc.resolve(f).toString(), "rbind", "nosuid", "nodev", "noexec"));
    }
    return m;
  }

  private static Map<String, Object> mount(String destination, String type, String source, String... options) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("destination", destination);
    m.put("type", type);
    m.put("source", source);
    m.put("options", List.of(options));
    return m;
  }

  private static Map<String, Object> ns(String type) {
    return Map.of("type", type);
  }
}
