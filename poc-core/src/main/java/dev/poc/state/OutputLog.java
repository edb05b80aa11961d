package dev.poc.state;

import dev.poc.host.Directories;
import dev.poc.ExitStatus;
import dev.poc.LogSnapshot;
import dev.poc.OutputFrame;
import dev.poc.launch.Release;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A container's output log: {@code STATE_ROOT/logs/NAME/output.log} (and {@code output.log.1},
 * the part before the last rotation), written by poc-init in framed records (see poc-init.c's
 * "the output log"). It is kept after the container ends, until the container is removed or a
 * new one of the same name starts: like Docker's json-file log, but framed rather than JSON.
 */
public final class OutputLog {
  static final String FILE = "output.log";
  private final Path dir;

  public OutputLog(Path stateRoot, String name) {
    this.dir = stateRoot.resolve("logs").resolve(name);
  }

  /** The directory of every container's log under {@code stateRoot}. */
  public static Path root(Path stateRoot) {
    return stateRoot.resolve("logs");
  }

  /** The file poc-init writes. */
  public Path file() {
    return dir.resolve(FILE);
  }

  /** Whether a container of this name has left a log. */
  public boolean exists() {
    return Files.exists(file()) || Files.exists(rotated());
  }

  Path rotated() {
    return dir.resolve(FILE + ".1");
  }

  /** A fresh, empty place for a new run's log (a previous run's is removed). */
  public void prepare() throws IOException {
    Directories.ensure(dir.getParent());
    if (!Files.isDirectory(dir)) {
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    Files.deleteIfExists(rotated());
    Files.deleteIfExists(file());
  }

  /** Removes the log (the container is removed). */
  public void remove() {
    Release.deleteTree(dir);
  }

  /** Everything the log holds from {@code since} on, as it is now. */
  public LogSnapshot read(long since) {
    List<OutputFrame> frames = new ArrayList<>();
    try (OutputLogReader r = new OutputLogReader(this, since)) {
      r.poll(frames::add);
      return new LogSnapshot(frames, r.nextOffset(), r.exit());
    } catch (IOException e) {
      throw new dev.poc.PocException("reading the log " + file() + ": " + e.getMessage(), e);
    }
  }

  /** How the container ended, when its log says so (the end record poc-init writes last). */
  public Optional<ExitStatus> exit() {
    try (OutputLogReader r = new OutputLogReader(this, Long.MAX_VALUE)) {
      r.poll(f -> {});
      return r.exit();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * Hands every frame from {@code since} on to {@code sink}, on a daemon thread, until the end
   * record, or until {@code ended} says the writer is gone and the rest is read. The future
   * completes then (with the exit when the log had one); cancelling it stops the follower.
   */
  public CompletableFuture<Optional<ExitStatus>> follow(long since, Consumer<OutputFrame> sink, BooleanSupplier ended,
      String threadName) {
    CompletableFuture<Optional<ExitStatus>> done = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try (OutputLogReader r = new OutputLogReader(this, since)) {
        done.complete(r.follow(sink, ended, done::isDone));
      } catch (IOException | RuntimeException e) {
        done.completeExceptionally(e);
      } catch (InterruptedException e) {
        done.cancel(false);
      }
    }, threadName);
    t.setDaemon(true);
    t.start();
    return done;
  }
}
