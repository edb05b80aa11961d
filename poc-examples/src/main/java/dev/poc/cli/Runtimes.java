package dev.poc.cli;

import dev.poc.ContainerRuntime;
import dev.poc.NetworkSettings;
import java.nio.file.Path;

/**
 * Where a quick command ({@link QuickCommands}) gets its runtime, and what it does with it after:
 * a new one per command, closed after it (the JVM CLI: {@link #perCommand()}), or the CLI server's,
 * kept warm per state root and network settings ({@link WarmRuntimes}).
 */
interface Runtimes {
  /** The runtime on {@code stateRoot} with {@code network}. */
  ContainerRuntime open(Path stateRoot, NetworkSettings network);

  /** After the command: once this returns, what its container left to release is released. */
  void done(ContainerRuntime runtime);

  /** A runtime per command, closed once it is done (which stops what it left running and awaits its releases). */
  static Runtimes perCommand() {
    return new Runtimes() {
      @Override
      public ContainerRuntime open(Path stateRoot, NetworkSettings network) {
        return ContainerRuntime.builder().stateRoot(stateRoot).network(network).build();
      }

      @Override
      public void done(ContainerRuntime runtime) {
        runtime.close();
      }
    };
  }
}
