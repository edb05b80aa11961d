package dev.poc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** poc logs, ps -a, stop and rm of ended containers, and the shell's exit codes, through the packaged CLI. */
class LogsCliIT {
  private static Cli cli;

  @BeforeAll
  static void setUp() throws Exception {
    cli = new Cli();
  }

  @AfterAll
  static void tearDown() throws Exception {
    cli.close();
  }

  @Test
  void logsFollowsADetachedContainerToItsExitAndItStaysUntilRm() throws Exception {
    String name = Cli.name("logs");
    Cli.Result started = cli.run("run", "--detach", "--host-rootfs", "net-disabled", name,
        "sh", "-c", "echo one; echo two >&2; sleep 1; echo three; exit 3");
    assertThat(started.code()).as(started.toString()).isZero();
    Cli.Result followed = cli.run("logs", "-f", name);
    assertThat(followed.code()).as(followed.toString()).isZero();
    assertThat(followed.out()).isEqualTo("one\nthree\n");
    assertThat(followed.err()).isEqualTo("two\npoc: container '" + name + "' exited with code 3\n");

    assertThat(cli.run("ps", "-q").out()).doesNotContain(name);
    assertThat(cli.run("ps", "-a").out()).containsPattern("(?m)^" + name + " +exited\\(3\\) +- +- +- +-$");
    Cli.Result again = cli.run("logs", name);
    assertThat(again.out()).isEqualTo("one\nthree\n");
    assertThat(again.err()).isEqualTo("two\n");

    assertThat(cli.run("rm", name).code()).isZero();
    assertThat(cli.run("ps", "-a").out()).doesNotContain(name);
    Cli.Result gone = cli.run("logs", name);
    assertThat(gone.code()).isEqualTo(125);
    assertThat(gone.err()).contains("container '" + name + "' has no log");
  }

  @Test
  void aStoppedContainerIsStillThereUntilRemovedUnlessItWasStartedWithRm() throws Exception {
    String kept = Cli.name("kept");
    String temp = Cli.name("temp");
    assertThat(cli.run("run", "--detach", "--host-rootfs", "net-disabled", kept, "sh", "-c", "echo hi; exec sleep 1000")
        .code()).isZero();
    assertThat(cli.run("run", "--detach", "--rm", "--host-rootfs", "net-disabled", temp, "sleep", "1000").code()).isZero();
    assertThat(cli.run("stop", kept, temp).code()).isZero();
    assertThat(cli.run("ps", "-q").out()).isEmpty();
    String all = cli.run("ps", "-a").out();
    assertThat(all).containsPattern("(?m)^" + kept + " +exited\\(143\\) "); // SIGTERM, as Docker reports it
    assertThat(all).doesNotContain(temp);
    assertThat(cli.run("logs", kept).out()).isEqualTo("hi\n");
    Cli.Result rm = cli.run("rm", kept);
    assertThat(rm.code()).as(rm.toString()).isZero();
    assertThat(cli.run("ps", "-a").out()).doesNotContain(kept);
  }

  @Test
  void aMissingCommandExits127AndANonExecutableOne126() throws Exception {
    Cli.Result missing = cli.run("run", "--host-rootfs", "net-disabled", Cli.name("nf"), "no-such-command");
    assertThat(missing.code()).as(missing.toString()).isEqualTo(127);
    assertThat(missing.err()).contains("command 'no-such-command' not found");
    Cli.Result notExecutable = cli.run("run", "--host-rootfs", "net-disabled", Cli.name("nx"), "/etc/hostname");
    assertThat(notExecutable.code()).as(notExecutable.toString()).isEqualTo(126);
    assertThat(notExecutable.err()).contains("is not executable");
  }

  @Test
  void helpListsEachCommandWithAWholeSentence() throws Exception {
    String help = cli.run("help").out();
    String commands = help.substring(help.indexOf("Commands:\n") + 10, help.indexOf("\n\n", help.indexOf("Commands:")));
    java.util.Map<String, String> text = new java.util.LinkedHashMap<>();
    String current = null;
    for (String line : commands.split("\n")) {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("^  (\\w+) +(.*)$").matcher(line);
      if (m.matches()) {
        current = m.group(1);
        text.put(current, m.group(2));
      } else {
        text.put(current, text.get(current) + " " + line.strip());
      }
    }
    assertThat(text).containsKeys("init", "logs", "stats", "ps");
    text.forEach((command, description) -> assertThat(description).as(command).endsWith("."));
  }

  @Test
  void cpCopiesIntoAndOutOfARunningContainer() throws Exception {
    String name = Cli.name("cp");
    java.nio.file.Path dir = cli.tempDir("poc-cp-");
    java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve("greeting"), "hello in\n");
    assertThat(cli.run("run", "--detach", "--host-rootfs", "net-disabled", name, "sleep", "1000").code()).isZero();
    try {
      Cli.Result in = cli.run("cp", file.toString(), name + ":/tmp/in/greeting");
      assertThat(in.code()).as(in.toString()).isZero();
      assertThat(cli.run("exec", name, "cat", "/tmp/in/greeting").out()).isEqualTo("hello in\n");
      assertThat(cli.run("exec", name, "sh", "-c", "echo made inside > /tmp/in/out").code()).isZero();
      Cli.Result out = cli.run("cp", name + ":/tmp/in", dir.resolve("back").toString());
      assertThat(out.code()).as(out.toString()).isZero();
      assertThat(java.nio.file.Files.readString(dir.resolve("back/out"))).isEqualTo("made inside\n");
      assertThat(java.nio.file.Files.readString(dir.resolve("back/greeting"))).isEqualTo("hello in\n");
      Cli.Result both = cli.run("cp", file.toString(), dir.toString());
      assertThat(both.code()).isEqualTo(2);
      assertThat(both.err()).contains("write exactly one of SRC and DST as NAME:/path");
    } finally {
      assertThat(cli.run("stop", name).code()).isZero();
      assertThat(cli.run("rm", name).code()).isZero();
    }
  }
}
