package dev.poc.state;

import dev.poc.internal.Access;
import dev.poc.Capability;
import dev.poc.Container;
import dev.poc.ContainerRuntime;
import dev.poc.NotFoundException;
import dev.poc.PocException;
import dev.poc.RunInfo;
import dev.poc.Signal;
import dev.poc.host.Posix;
import dev.poc.internal.ContainerNames;
import dev.poc.seccomp.Seccomp;
import dev.poc.seccomp.bpf.SeccompPrograms;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Containers found through their run directories rather than a {@link Container} object: those a
 * detached start or another process left running. {@code ps}, {@code exec} and {@code stop} from a
 * second process go through here.
 */
public final class RunningContainers {
  private static final Duration HELPER_EXIT = Duration.ofSeconds(5);

  /** A running container as its state.json describes it, checked against /proc. */
  public record Run(String name, int initPid, Map<String, Object> state) {
    /** The hostname it was started with (recorded since the hostname could differ from the name). */
    public String hostname() {
      return state.get("hostname") instanceof String h ? h : name;
    }

    /** Its capability mask; a record older than capabilities in state.json: Docker's 14. */
    public long capabilities() {
      return state.get("capabilities") instanceof Number n ? n.longValue()
          : Capability.mask(Capability.dockerDefaults());
    }

    /** Its seccomp filter (hex); a record older than filters in state.json: the default one's. */
    public Optional<String> seccomp() {
      if (state.get("seccomp") instanceof String hex) {
        return Optional.of(hex);
      }
      if (state.containsKey("capabilities")) {
        return Optional.empty(); // recorded, and unconfined
      }
      return SeccompPrograms.hex(Seccomp.dockerDefault(), SeccompPrograms.capabilityNames(Capability.dockerDefaults()));
    }
  }

  private RunningContainers() {}

  /** The container {@code name} when it runs under this state root. */
  static Optional<Run> find(ContainerRuntime runtime, String name) {
    ContainerNames.validate(name);
    return RunState.read(Access.api().runDir(runtime, name)).flatMap(state -> verified(name, state));
  }

  /** Like {@link #find}, but a missing container is an error that says what to do. */
  public static Run require(ContainerRuntime runtime, String name) {
    return find(runtime, name).orElseThrow(() -> new NotFoundException(
        "no container named '" + name + "' is running under " + runtime.stateRoot()
            + ": start it with `poc run net-disabled " + name + " CMD` (see `poc ps`)"));
  }

  private static Optional<Run> verified(String name, Map<String, Object> state) {
    if (!RunState.helperAlive(state) || !RunState.initAlive(state)) {
      return Optional.empty(); // ended, or its pids were reused
    }
    return Optional.of(new Run(name, ((Number) state.get("initPid")).intValue(), state));
  }

  /** Every running container under this state root, by name. */
  public static List<RunInfo> list(ContainerRuntime runtime) {
    List<RunInfo> out = new ArrayList<>();
    Path runs = runtime.stateRoot().resolve("run");
    if (!Files.isDirectory(runs)) {
      return out;
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(runs)) {
      for (Path dir : dirs) {
        String name = dir.getFileName().toString();
        RunState.read(dir).flatMap(s -> verified(name, s)).ifPresent(run -> out.add(info(run)));
      }
    } catch (IOException e) {
      throw new PocException("listing " + runs + ": " + e.getMessage(), e);
    }
    out.sort(Comparator.comparing(RunInfo::name));
    return out;
  }

  private static RunInfo info(Run run) {
    Map<String, Object> s = run.state();
    RunInfo.Builder b = RunInfo.builder()
        .name(run.name())
        .pid(run.initPid())
        .rootfs(String.valueOf(s.getOrDefault("rootfs", "?")))
        .detached(Boolean.TRUE.equals(s.get("detached")))
        .started(s.get("created") instanceof Number t ? Instant.ofEpochMilli(t.longValue()) : Instant.now());
    if (s.get("address") instanceof String a) {
      b.address(a);
    }
    if (s.get("labels") instanceof Map<?, ?> labels) {
      labels.forEach((k, v) -> b.putLabels(String.valueOf(k), String.valueOf(v)));
    }
    if (s.get("ports") instanceof Map<?, ?> ports) {
      ports.forEach((k, v) -> b.putHostPorts(Integer.parseInt(String.valueOf(k)), ((Number) v).intValue()));
    }
    return b.build();
  }

  /**
   * Stops a container another process started: SIGTERM to its init (which forwards it), SIGKILL
   * after {@code grace}, then the host pieces are reclaimed here when no live process owns them.
   */
  public static void stop(ContainerRuntime runtime, String name, Duration grace) {
    Run run = require(runtime, name);
    Posix.kill(run.initPid(), Signal.TERM.number());
    if (!awaitHelperExit(run, grace)) {
      Posix.kill(run.initPid(), Signal.KILL.number());
      if (!awaitHelperExit(run, HELPER_EXIT)) {
        throw new PocException("container '" + name + "' (init pid " + run.initPid()
            + ") did not end after SIGKILL: look at `ps -o pid,stat,cmd -p " + run.initPid() + "`");
      }
    }
    Path runDir = Access.api().runDir(runtime, name);
    try {
      Optional<NameLock> lock = NameLock.tryAcquire(name);
      if (lock.isPresent()) {
        try (NameLock held = lock.get()) {
          Access.api().reclaimIfDead(runtime, name, runDir);
        }
      } else {
        awaitGone(runDir); // a live process owns it and releases it itself
      }
    } catch (IOException e) {
      throw new PocException("locking name '" + name + "' in " + NameLock.DIR + ": " + e.getMessage(), e);
    }
  }

  private static boolean awaitHelperExit(Run run, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (RunState.helperAlive(run.state())) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      sleep();
    }
    return true;
  }

  private static void awaitGone(Path runDir) {
    long deadline = System.nanoTime() + HELPER_EXIT.toNanos();
    while (Files.exists(runDir) && System.nanoTime() < deadline) {
      sleep();
    }
  }

  private static void sleep() {
    try {
      Thread.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PocException("interrupted while waiting for a container to stop", e);
    }
  }
}
