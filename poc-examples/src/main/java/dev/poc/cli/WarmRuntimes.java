package dev.poc.cli;

import dev.poc.ContainerRuntime;
import dev.poc.NetworkSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The CLI server's runtimes, one per state root and network settings, opened by the first command
 * that needs it and kept for the next ones: a command then skips what opening a runtime costs (the
 * prerequisites' check, the reclaim of its state root, the strategies' set-up). A command's
 * {@link #done} waits for the background releases (veths, addresses, run directories) as closing
 * a runtime would, so that the command ends with its container released, as in the JVM CLI. Beyond
 * {@value #KEPT} runtimes, those no command uses and no container runs on are closed.
 */
final class WarmRuntimes implements Runtimes {
  static final int KEPT = 16;

  private record Key(Path stateRoot, NetworkSettings network) {}

  private static final class Entry {
    final ContainerRuntime runtime;
    int users;

    Entry(ContainerRuntime runtime) {
      this.runtime = runtime;
    }
  }

  private final Map<Key, Entry> runtimes = new HashMap<>();

  @Override
  public ContainerRuntime open(Path stateRoot, NetworkSettings network) {
    Key key = new Key(stateRoot.toAbsolutePath().normalize(), network);
    synchronized (runtimes) {
      Entry e = runtimes.get(key);
      if (e == null) {
        // opened under the lock: two first commands on one state root must not make two runtimes
        e = new Entry(ContainerRuntime.builder().stateRoot(key.stateRoot()).network(network).build());
        runtimes.put(key, e);
        closeUnused();
      }
      e.users++;
      return e.runtime;
    }
  }

  @Override
  public void done(ContainerRuntime runtime) {
    dev.poc.internal.Access.api().awaitReleases(runtime);
    synchronized (runtimes) {
      runtimes.values().stream().filter(e -> e.runtime == runtime).forEach(e -> e.users--);
    }
  }

  /** Beyond KEPT: closes the runtimes no command uses and no container runs on. Under the lock. */
  private void closeUnused() {
    if (runtimes.size() <= KEPT) {
      return;
    }
    List<Key> idle = new ArrayList<>();
    runtimes.forEach((k, e) -> {
      if (e.users == 0 && e.runtime.running().isEmpty()) {
        idle.add(k);
      }
    });
    for (Key k : idle) {
      runtimes.remove(k).runtime.close();
    }
  }
}
