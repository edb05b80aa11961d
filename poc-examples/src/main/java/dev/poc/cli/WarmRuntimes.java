package dev.poc.cli;

import dev.poc.ContainerRuntime;
import dev.poc.NetworkSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The CLI server's runtimes, one per state root and network settings, opened by the first command
 * that needs it and kept for the next ones: a command then skips what opening a runtime costs (the
 * prerequisites' check, the reclaim of its state root, the strategies' set-up). A run ends with
 * its own container released (it settles that container's background release itself, see
 * {@link QuickCommands}); {@link #done} does not wait for the other commands' releases, which
 * would make concurrent commands wait for each other's on the one release thread. Beyond
 * {@value #KEPT} runtimes, those no command uses and no container runs on are closed.
 *
 * <p>A runtime is opened and closed outside this class's lock: a slow state root (a reclaim, a
 * hung mount) holds up only the commands on that root, never the others. Two first commands on one
 * root still make one runtime: the second waits for the first's.
 */
final class WarmRuntimes implements Runtimes {
  static final int KEPT = 16;

  private record Key(Path stateRoot, NetworkSettings network) {}

  private static final class Entry {
    final CompletableFuture<ContainerRuntime> runtime = new CompletableFuture<>();
    int users;

    /** The runtime once opened; null while it is being opened (or when opening it failed). */
    ContainerRuntime opened() {
      return runtime.isDone() && !runtime.isCompletedExceptionally() ? runtime.join() : null;
    }
  }

  private final Map<Key, Entry> runtimes = new HashMap<>();

  @Override
  public ContainerRuntime open(Path stateRoot, NetworkSettings network) {
    Key key = new Key(stateRoot.toAbsolutePath().normalize(), network);
    Entry e;
    boolean first = false;
    synchronized (runtimes) {
      e = runtimes.get(key);
      if (e == null) {
        e = new Entry();
        runtimes.put(key, e);
        first = true;
      }
      e.users++;
    }
    if (first) {
      try {
        e.runtime.complete(ContainerRuntime.builder().stateRoot(key.stateRoot()).network(network).build());
      } catch (RuntimeException | Error failure) {
        synchronized (runtimes) {
          runtimes.remove(key, e); // the next command tries again
        }
        e.runtime.completeExceptionally(failure);
        throw failure;
      }
      closeUnused();
    }
    try {
      return e.runtime.join();
    } catch (CompletionException failed) { // the first command's open failed: this one fails alike
      if (failed.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (failed.getCause() instanceof Error err) {
        throw err;
      }
      throw failed;
    }
  }

  @Override
  public void done(ContainerRuntime runtime) {
    synchronized (runtimes) {
      runtimes.values().stream().filter(e -> e.opened() == runtime).forEach(e -> e.users--);
    }
  }

  /** Beyond KEPT: closes the runtimes no command uses and no container runs on, after taking them out under the lock. */
  private void closeUnused() {
    List<ContainerRuntime> idle = new ArrayList<>();
    synchronized (runtimes) {
      if (runtimes.size() <= KEPT) {
        return;
      }
      runtimes.entrySet().removeIf(k -> {
        ContainerRuntime r = k.getValue().opened();
        boolean unused = r != null && k.getValue().users == 0 && r.running().isEmpty();
        if (unused) {
          idle.add(r);
        }
        return unused;
      });
    }
    idle.forEach(ContainerRuntime::close);
  }
}
