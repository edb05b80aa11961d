package dev.poc.state;

import dev.poc.host.Posix;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The small JSON record of a running container in its run directory: which processes are its
 * (so another process can find, stop or reclaim it) and free-form facts the setups add.
 */
public final class RunState {
  static final String FILE = "state.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private RunState() {}

  public static void write(Path runDir, Map<String, Object> state) throws IOException {
    Path tmp = runDir.resolve(FILE + ".tmp");
    JSON.writeValue(tmp.toFile(), state);
    Files.move(tmp, runDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  @SuppressWarnings("unchecked")
  public static Optional<Map<String, Object>> read(Path runDir) {
    Path f = runDir.resolve(FILE);
    if (!Files.isRegularFile(f)) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readValue(f.toFile(), LinkedHashMap.class));
    } catch (IOException e) {
      return Optional.empty(); // a torn or foreign file: treat the run as dead
    }
  }

  /** The start time of a live process in clock ticks since boot (field 22 of /proc/PID/stat), or -1. */
  public static long startTime(int pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      if (f[0].equals("Z") || f[0].equals("X")) {
        return -1; // a zombie has ended; only its parent has not noticed yet
      }
      return Long.parseLong(f[19]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** The parent of a live process (field 4 of /proc/PID/stat), or -1. */
  public static int parentPid(int pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Whether the helper recorded in this state still runs (the same process, not a reused pid). */
  public static boolean helperAlive(Map<String, Object> state) {
    return alive(state, "helperPid", "helperStart");
  }

  /** Whether the init recorded in this state still runs (the same process, not a reused pid). */
  public static boolean initAlive(Map<String, Object> state) {
    return alive(state, "initPid", "initStart");
  }

  private static boolean alive(Map<String, Object> state, String pidKey, String startKey) {
    Object pid = state.get(pidKey);
    Object start = state.get(startKey);
    if (!(pid instanceof Number) || !(start instanceof Number)) {
      return false;
    }
    long now = startTime(((Number) pid).intValue());
    return now >= 0 && now == ((Number) start).longValue();
  }

  /**
   * SIGKILLs the container's init (which takes its whole PID namespace with it) if it is still the
   * recorded process, then waits up to {@code timeout} for the init and the helper to be gone.
   */
  public static void killAndAwait(Map<String, Object> state, java.time.Duration timeout) {
    if (alive(state, "initPid", "initStart")) {
      Posix.kill(((Number) state.get("initPid")).intValue(), 9);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while ((alive(state, "initPid", "initStart") || alive(state, "helperPid", "helperStart"))
        && System.nanoTime() < deadline) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
