package dev.poc;

import dev.poc.cgroup.Cgroups;
import dev.poc.namespace.NetnsNames;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails any test class that leaves poc's host objects behind: poc-init processes of this JVM, mounts
 * under the build directory or /run/netns, netns names, poc cgroups, network links, loop devices
 * over files of the build directory. Registered for every class (junit-platform.properties and
 * META-INF/services), so no class can forget it.
 */
public final class LeakCheck implements BeforeAllCallback, AfterAllCallback {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(LeakCheck.class);

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    context.getStore(NS).put("objects", hostObjects());
    context.getStore(NS).put("helpers", helperProcesses().keySet());
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    Object before = context.getStore(NS).get("objects");
    @SuppressWarnings("unchecked")
    Set<Long> helpersBefore = (Set<Long>) context.getStore(NS).get("helpers");
    List<String> after = hostObjects();
    Map<Long, String> newHelpers = newHelpers(helpersBefore);
    for (int i = 0; i < 100 && (!after.equals(before) || !newHelpers.isEmpty()); i++) {
      Thread.sleep(20); // a released helper may still be exiting
      after = hostObjects();
      newHelpers = newHelpers(helpersBefore);
    }
    assertThat(newHelpers).as("poc-init processes that %s started and left running", context.getDisplayName()).isEmpty();
    assertThat(after).as("host objects after %s (compared with before it)", context.getDisplayName()).isEqualTo(before);
  }

  /**
   * The poc-init processes among this JVM's descendants that were not there before, by pid: by
   * command alone, one left running would pass for another that was still exiting before.
   * (One that was there before and is gone now is not this class's doing: a helper of the class
   * before may still have been exiting.)
   */
  private static Map<Long, String> newHelpers(Set<Long> before) {
    Map<Long, String> now = helperProcesses();
    now.keySet().removeAll(before);
    return now;
  }

  /** Each poc-init descendant of this JVM, by pid: its parent, age and arguments, for a failure's message. */
  static Map<Long, String> helperProcesses() {
    long now = System.currentTimeMillis();
    Map<Long, String> all = new TreeMap<>();
    ProcessHandle.current().descendants()
        .filter(p -> p.info().command().orElse("").contains("poc-init"))
        .forEach(p -> all.put(p.pid(), String.format("%s (parent %s, %s ms old): %s", p.info().command().orElse("?"),
            p.parent().map(q -> q.pid() + " " + q.info().command().orElse("?")).orElse("?"),
            p.info().startInstant().map(t -> String.valueOf(now - t.toEpochMilli())).orElse("?"),
            cmdline(p.pid()))));
    return all;
  }

  private static String cmdline(long pid) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc", String.valueOf(pid), "cmdline")), java.nio.charset.StandardCharsets.UTF_8)
          .replace('\0', ' ').trim();
    } catch (IOException e) {
      return "?";
    }
  }

  static List<String> hostObjects() throws IOException {
    TreeSet<String> all = new TreeSet<>();
    String cwd = Path.of("").toAbsolutePath().toString();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String mountPoint = line.split(" ")[4];
      if (mountPoint.startsWith(cwd) || mountPoint.startsWith(NetnsNames.DIR + "/")) {
        all.add("mount " + mountPoint);
      }
    }
    list(NetnsNames.DIR).forEach(n -> all.add("netns " + n));
    for (Path hierarchy : list(Path.of("/sys/fs/cgroup")).stream().map(n -> Path.of("/sys/fs/cgroup", n)).toList()) {
      list(hierarchy.resolve(Cgroups.PARENT)).stream().filter(n -> Files.isDirectory(hierarchy.resolve(Cgroups.PARENT).resolve(n)))
          .forEach(n -> all.add("cgroup " + hierarchy.getFileName() + "/" + Cgroups.PARENT + "/" + n));
    }
    list(Path.of("/sys/class/net")).forEach(n -> all.add("link " + n));
    for (String loop : list(Path.of("/sys/block"))) {
      Path backing = Path.of("/sys/block", loop, "loop", "backing_file");
      if (Files.exists(backing)) {
        String file = Files.readString(backing).trim();
        if (file.startsWith(cwd)) {
          all.add("loop " + loop + " " + file);
        }
      }
    }
    return List.copyOf(all);
  }

  private static List<String> list(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    } catch (java.nio.file.NoSuchFileException e) {
      return List.of();
    }
  }
}
