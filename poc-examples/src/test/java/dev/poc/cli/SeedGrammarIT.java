package dev.poc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The seed's own lines, word for word, through ./poc (sudo is dropped when there is none: the
 * tests run as root), in a state root of the test's own. init makes a real image (Docker when a
 * daemon runs, else debootstrap): the one slow test of the CLI.
 */
class SeedGrammarIT {
  private static Cli cli;

  @BeforeAll
  static void setUp() throws Exception {
    cli = new Cli();
  }

  @AfterAll
  static void tearDown() throws Exception {
    cli.run("prune"); // whatever a failed step left
    cli.close();
  }

  private static Cli.Result line(String line, String stdin) throws Exception {
    boolean sudo = new ProcessBuilder("sh", "-c", "command -v sudo").start().waitFor() == 0;
    String cmd = sudo ? line.replace("sudo ", "sudo --preserve-env=POC_STATE_ROOT ") : line.replace("sudo ", "");
    Cli.Result r = cli.exec(List.of("bash", "-c", "cd " + Cli.launcher().getParent() + " && " + cmd), stdin);
    System.out.println("$ " + line + "\n" + r);
    return r;
  }

  @Test
  void theSeedsLinesWorkWordForWord() throws Exception {
    Cli.Result init = line("sudo ./poc init", null);
    assertThat(init.code()).as(init.toString()).isZero();
    assertThat(init.out()).contains("image 'default' ready");
    assertThat(init.err()).contains("init: ");

    Cli.Result build = line("sudo ./poc build test0 disk-size 20G", null);
    assertThat(build.code()).as(build.toString()).isZero();
    assertThat(build.out()).contains("built 'test0': 20G disk over image 'default'");

    Cli.Result run = line("sudo ./poc run net-disabled test0 bash",
        "hostname; echo $$; df -h / | tail -1 | awk '{print $2}'; echo kept > /root/kept; exit 7\n");
    assertThat(run.code()).as(run.toString()).isEqualTo(7);
    assertThat(run.out()).isEqualTo("test0\n2\n20G\n");
    Cli.Result again = line("sudo ./poc run net-disabled test0 cat /root/kept", null);
    assertThat(again.out()).as("the disk keeps what was written").isEqualTo("kept\n");

    Cli.Result ps = line("sudo ./poc ps", null);
    assertThat(ps.out()).containsPattern("(?m)^test0 +stopped +- +- +20G over default");

    Cli.Result rm = line("sudo ./poc rm test0", null);
    assertThat(rm.code()).as(rm.toString()).isZero();
    assertThat(line("sudo ./poc ps", null).out()).doesNotContain("test0");
    Cli.Result gone = line("sudo ./poc run net-disabled test0 bash", null);
    assertThat(gone.code()).isEqualTo(125);
    assertThat(gone.err()).contains("poc build test0 disk-size 20G");

    Cli.Result prune = line("sudo ./poc prune", null);
    assertThat(prune.code()).as(prune.toString()).isZero();
    assertThat(Files.list(cli.stateRoot()).toList()).as("state root after prune").allSatisfy(p ->
        assertThat(Files.isDirectory(p) ? Files.list(p).toList() : List.of()).isEmpty());

    Cli.Result help = line("sudo ./poc help", null);
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("init", "build", "run", "rm", "prune", "help");
  }
}
