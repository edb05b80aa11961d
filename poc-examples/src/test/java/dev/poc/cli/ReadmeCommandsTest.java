package dev.poc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's test command is what CI runs, and the README names every package it installs. */
class ReadmeCommandsTest {
  @Test
  void ciRunsExactlyTheReadmesTestCommand() throws Exception {
    String readme = Readme.commands("Running the tests").get(0);
    List<String> ci = Files.readAllLines(Readme.root().resolve(".ci/run")).stream()
        .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
    assertThat(ci.get(ci.size() - 1)).as(".ci/run's last line").isEqualTo("exec " + readme);
    assertThat(ci).as(".ci/run does nothing but go to the repository root and run it")
        .containsExactly("cd \"$(dirname \"$0\")/..\"", "exec " + readme);
    Path script = Readme.root().resolve(readme.replaceFirst("^\\./", "").split(" ")[0]);
    assertThat(Files.isExecutable(script)).as(script + " is executable").isTrue();
  }

  @Test
  void theReadmeSaysWhatTheTestCommandInstalls() throws Exception {
    List<String> packages = packages();
    assertThat(packages).contains("iptables", "busybox-static", "e2fsprogs", "debootstrap", "docker.io");
    String readme = Files.readString(Readme.root().resolve("README.md"));
    String section = readme.substring(readme.indexOf("## Running the tests"));
    section = section.substring(0, section.indexOf("\n## ", 3));
    for (String p : packages) {
      assertThat(section).as("README's 'Running the tests' names " + p).contains("`" + p + "`");
    }
  }

  /** The packages dpkg says are not installed are the ones it would install: none, once it has run. */
  @Test
  void itInstallsOnlyWhatIsMissing() throws Exception {
    List<String> missing = new ArrayList<>();
    for (String p : packages()) {
      Process q = new ProcessBuilder("dpkg-query", "-W", "-f=${Status}", p).redirectErrorStream(true).start();
      String status = new String(q.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (q.waitFor() != 0 || !status.equals("install ok installed")) {
        missing.add(p);
      }
    }
    Process script = new ProcessBuilder(Readme.root().resolve("run-tests").toString(), "--missing").start();
    String out = new String(script.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(script.waitFor()).isZero();
    assertThat(out.lines().toList()).isEqualTo(missing);
  }

  private static List<String> packages() throws Exception {
    String script = Files.readString(Readme.root().resolve("run-tests"));
    Matcher m = Pattern.compile("(?s)\nPACKAGES=\\((.*?)\\)").matcher(script);
    assertThat(m.find()).as("run-tests has a PACKAGES=(...) list").isTrue();
    return Arrays.stream(m.group(1).trim().split("\\s+")).toList();
  }
}
