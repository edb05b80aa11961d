package dev.poc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** `poc run ... bash` on a real terminal (tmux): prompt, job control, Ctrl+C inside, Ctrl+D out with the shell's status. */
class InteractiveIT {
  private static final long STEP_TIMEOUT_MS = 15_000;
  private Cli cli;
  private String session;

  @BeforeEach
  void startTmux() throws Exception {
    cli = new Cli();
    session = Cli.name("poc-tty");
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", "bash --norc --noprofile");
    tmux("send-keys", "-t", session, "PS1='host$ '; clear", "Enter");
    awaitLastLine("host$ ");
  }

  @AfterEach
  void killTmux() throws Exception {
    tmux("kill-session", "-t", session); // on a failure this hangs up the CLI, which takes its container along
    java.nio.file.Path runs = cli.stateRoot().resolve("run");
    for (int i = 0; i < 100 && java.nio.file.Files.isDirectory(runs) && java.nio.file.Files.list(runs).findAny().isPresent(); i++) {
      Thread.sleep(50);
    }
    cli.close();
  }

  @Test
  void interactiveShell() throws Exception {
    String name = Cli.name("tty");
    // PS1 as typed differs from the prompt it gives, so the typed line cannot pass for the prompt
    type(cli.commandLine() + " run --host-rootfs --env PS1='\\u@in\\$ ' net-disabled " + name + " bash --norc --noprofile");
    awaitLastLine("root@in# ");
    type("echo pid=$$ host=$(hostname) tty=$(tty) size=$(stty size | tr ' ' x)");
    awaitScreen("pid=2 host=" + name + " tty=/dev/pts/0 size=40x120");
    type("sleep 100");
    Thread.sleep(300);
    tmux("send-keys", "-t", session, "C-c");
    type("echo after=$?");
    awaitScreen("after=130"); // sleep was interrupted, the shell lives on
    type("sleep 50 &");
    type("jobs");
    awaitScreen("Running                 sleep 50 &");
    type("kill %1; (exit 5)");
    awaitLastLine("root@in# "); // Ctrl+D typed while bash still runs a command would be read by that command
    tmux("send-keys", "-t", session, "C-d");
    awaitLastLine("host$ ");
    type("echo status=$? && stty -a | tr ' ' '\\n' | grep -x -e icanon -e -icanon");
    awaitScreen("status=5\nicanon"); // Ctrl+D: the shell's status, and the terminal is cooked again
  }

  private void type(String line) throws Exception {
    tmux("send-keys", "-t", session, "-l", line);
    tmux("send-keys", "-t", session, "Enter");
  }

  private void awaitScreen(String text) throws Exception {
    long deadline = System.currentTimeMillis() + STEP_TIMEOUT_MS;
    String screen = "";
    while (System.currentTimeMillis() < deadline) {
      screen = tmux("capture-pane", "-p", "-t", session);
      if (screen.contains(text)) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the terminal did not show '" + text + "' within " + STEP_TIMEOUT_MS + " ms; it shows:\n" + screen);
  }

  /** The cursor's line (the last one with text) is exactly {@code prompt}: a fresh prompt, nothing typed yet. */
  private void awaitLastLine(String prompt) throws Exception {
    long deadline = System.currentTimeMillis() + STEP_TIMEOUT_MS;
    String screen = "";
    while (System.currentTimeMillis() < deadline) {
      screen = tmux("capture-pane", "-p", "-t", session);
      String[] lines = screen.stripTrailing().split("\n");
      if (lines[lines.length - 1].equals(prompt.stripTrailing())) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the terminal did not show the prompt '" + prompt + "' within " + STEP_TIMEOUT_MS
        + " ms; it shows:\n" + screen);
  }

  private static String tmux(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("tmux"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(10, TimeUnit.SECONDS);
    return out;
  }
}
