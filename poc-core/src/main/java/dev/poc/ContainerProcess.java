package dev.poc;

import dev.poc.launch.ExitFuture;
import dev.poc.launch.InitConnection;
import dev.poc.launch.PidHandle;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;

/**
 * A command started inside a running container by {@link Container#exec(ExecSpec)} or
 * {@link ContainerRuntime#exec(String, ExecSpec)}. Closing it kills the command if it still runs.
 */
public final class ContainerProcess implements AutoCloseable {
  private final String container;
  private final Process helper;
  private final InitConnection conn;
  private final PidHandle command;
  private final ExitFuture exit = new ExitFuture();
  private final java.util.function.Consumer<Process> ended;

  ContainerProcess(String container, Process helper, InitConnection conn, PidHandle command,
      java.util.function.Consumer<Process> ended) {
    this.container = container;
    this.helper = helper;
    this.conn = conn;
    this.command = command;
    this.ended = ended;
    Thread waiter = new Thread(this::awaitExit, "poc-exec-wait-" + container);
    waiter.setDaemon(true);
    waiter.start();
  }

  /** The host pid of the command. */
  public int pid() {
    return command.pid();
  }

  /** The command's stdin, when the spec's stdin is {@link Stdio#PIPE}. */
  public OutputStream stdin() {
    return helper.getOutputStream();
  }

  /** The command's stdout, when the spec's stdout is {@link Stdio#PIPE}. */
  public InputStream stdout() {
    return helper.getInputStream();
  }

  /** The command's stderr, when the spec's stderr is {@link Stdio#PIPE}. */
  public InputStream stderr() {
    return helper.getErrorStream();
  }

  /** Whether the command still runs. */
  public boolean isRunning() {
    return !exit.isDone();
  }

  /** Waits until the command has ended; returns its exit code (128 + n for signal n). */
  public int waitFor() throws InterruptedException {
    return exit.await().code();
  }

  /** Waits up to {@code timeout}; true when the command ended in time. */
  public boolean waitFor(Duration timeout) throws InterruptedException {
    return exit.await(timeout);
  }

  /** How the command ended; it must have ended. */
  public ExitStatus exitStatus() {
    return exit.ended("exec in container '" + container + "'");
  }

  /** The exit code; the command must have ended. */
  public int exitCode() {
    return exitStatus().code();
  }

  /** Sends a signal to the command. */
  public void kill(Signal signal) {
    if (isRunning()) {
      command.signal(signal.number());
    }
  }

  /** Kills the command if it still runs and waits until it is gone. */
  @Override
  public void close() {
    kill(Signal.KILL);
    exit.join();
  }

  private void awaitExit() {
    ExitStatus status = conn.awaitEnd(helper);
    command.close(); // reaped by its helper: the pid may be another process's now
    conn.close();
    ended.accept(helper); // before the status completes: a close() after waitFor() waits for its exit
    exit.complete(status);
  }

  @Override
  public String toString() {
    return "ContainerProcess[" + container + ", pid " + command.pid() + (isRunning() ? ", running]" : ", " + exit.join() + "]");
  }
}
