package dev.poc.bench;

import dev.poc.Container;
import dev.poc.ContainerRuntime;
import dev.poc.ContainerSpec;
import dev.poc.Rootfs;
import dev.poc.Stdio;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** poc's side of the timed scenarios: its public API, used as a user would. */
final class PocTrials {
  private final ContainerRuntime runtime;
  private final Path rootfs;
  private final Names names;

  PocTrials(ContainerRuntime runtime, Path rootfs, Names names) {
    this.runtime = runtime;
    this.rootfs = rootfs;
    this.names = names;
  }

  /** A spec of {@code command} in the busybox root, stdio wired like the OCI runtimes' (stderr kept for errors). */
  ContainerSpec.Builder spec(String... command) {
    ContainerSpec.Builder b = runtime.container().name(names.next()).rootfs(Rootfs.directory(rootfs)).command(command);
    b.stdin(Stdio.DISCARD).stdout(Stdio.DISCARD).stderr(Stdio.PIPE);
    return b;
  }

  /** From the first API call to waitFor() returning (the command ran and everything is released). */
  Trial startToExit(UnaryOperator<ContainerSpec.Builder> customize) {
    return () -> {
      long t0 = System.nanoTime();
      Container c = customize.apply(spec("/bin/true")).start();
      int code = c.waitFor();
      long t = System.nanoTime() - t0;
      checkExit(c, code);
      return t;
    };
  }

  /** From the first API call until start() returns, i.e. the command has been exec'd. */
  Trial startToRunning(UnaryOperator<ContainerSpec.Builder> customize) {
    return () -> {
      long t0 = System.nanoTime();
      Container c = customize.apply(spec("/bin/true")).start();
      long t = System.nanoTime() - t0;
      checkExit(c, c.waitFor());
      return t;
    };
  }

  static void checkExit(Container c, int code) throws java.io.IOException {
    if (code != 0) {
      String err = new String(c.stderr().readAllBytes(), StandardCharsets.UTF_8).trim();
      throw new BenchmarkFailedException("poc container " + c.name() + " exited with " + code + (err.isEmpty() ? "" : ": " + err));
    }
    c.close();
  }
}
