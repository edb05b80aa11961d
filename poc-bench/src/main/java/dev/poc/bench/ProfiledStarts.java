package dev.poc.bench;

import dev.poc.Container;
import dev.poc.ContainerSpec;
import dev.poc.launch.StartProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * Start-to-exit trials of one kind of container with poc's StartProfile listening: each run's
 * steps (the JVM's instants and the init's, one monotonic clock) are kept, so that a scenario can
 * show where the time goes. The listener is installed for the run only, so variants interleaved
 * beside it are not profiled.
 */
final class ProfiledStarts {
  private final PocTrials trials;
  private final UnaryOperator<ContainerSpec.Builder> customize;
  private final Map<String, Map<String, Long>> marks = new ConcurrentHashMap<>();
  private final List<Map<String, Long>> profiles = new ArrayList<>();

  ProfiledStarts(PocTrials trials, UnaryOperator<ContainerSpec.Builder> customize) {
    this.trials = trials;
    this.customize = customize;
  }

  Trial trial() {
    return () -> {
      StartProfile.listen(m -> marks.computeIfAbsent(m.container(), k -> new ConcurrentHashMap<>()).put(m.step(), m.nanos()));
      try {
        long t0 = System.nanoTime();
        Container c = customize.apply(trials.spec("/bin/true")).start();
        int code = c.waitFor();
        long t = System.nanoTime() - t0;
        Map<String, Long> mine = marks.remove(c.name());
        if (mine != null) {
          mine.put(FloorProfileScenario.RETURNED, t0 + t);
          profiles.add(mine);
        }
        PocTrials.checkExit(c, code);
        return t;
      } finally {
        StartProfile.listen(null);
      }
    };
  }

  /** The measured runs' profiles (the last {@code iterations}: the warm-up's are dropped). */
  List<Map<String, Long>> measured(int iterations) {
    return profiles.subList(Math.max(0, profiles.size() - iterations), profiles.size());
  }

  /** The durations of one interval over {@code profiles}, where both of its steps were passed. */
  static long[] durations(List<Map<String, Long>> profiles, String from, String to) {
    return profiles.stream().filter(p -> p.containsKey(from) && p.containsKey(to)).mapToLong(p -> p.get(to) - p.get(from)).toArray();
  }
}
