package dev.poc.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Runs every scenario once over (2 iterations, tiny bases) to prove the benchmark still works
 * end to end: every table has its rows, nothing failed and nothing is left behind. It asserts no
 * time: the numbers of so short a run mean nothing.
 */
class BenchSmokeTest {
  @Test
  void everyScenarioRunsAndReportsAllItsRows() throws Exception {
    Path dir = Files.createDirectories(Path.of("target", "smoke-" + UUID.randomUUID().toString().substring(0, 8)).toAbsolutePath());
    Path out = dir.resolve("report.md");
    Path work = dir.resolve("work");

    int code = new CommandLine(new BenchMain()).execute("--iterations", "2", "--warmup", "1", "--jit-warmup", "0", "--pause-ms", "0",
        "--filler-mib", "8", "--soak-cycles", "20", "--out", out.toString(), "--work-dir", work.toString());

    assertThat(code).isZero();
    String report = Files.readString(out);
    assertThat(report).contains("- kernel: ", "- runc: runc version", "- crun: crun version");
    assertThat(section(report, "### 1.")).contains("| poc (Java API) ", "| runc run ", "| crun run ", "| bare floor: ",
            "| cgroups alone: ")
        .contains("poc median ÷ runc median");
    assertThat(section(report, "### 2.")).contains("| poc, no limit, no network ", "| poc, memory 64M ",
        "| runc run, memory 64M ", "| crun run, memory 64M ", "| bare floor: ");
    assertThat(section(report, "### 3.")).contains("| poc: 1G, busybox ", "| poc: 20G, busybox + 8 MiB ",
        "| seed: 1G, busybox ", "| seed: 20G, busybox + 8 MiB ");
    assertThat(section(report, "### 4.")).contains("| poc (Java API) ", "| runc run ", "| poc: 50 × start() of sleep")
        .contains("failed starts or stops: 0 (target = 0) — met")
        .contains("leftovers afterwards (cgroups, run dirs, processes, mounts, loop devices, interfaces): 0 (target = 0) — met");
    assertThat(section(report, "### 5.")).contains("| poc: poc-init outer + container init (PID 1) ", "| runc: ", "| crun: ");
    // the ./poc rows need the launcher, at the repository root; this test runs in poc-bench/
    assertThat(section(report, "### 9.")).contains("| poc (Java API), 200 threads ", "| crun run (through its wrapper), 200 threads ",
            "| poc (Java API), BRIDGE, 200 threads ", "| crun run, 10 at once × 5 ")
        .contains("failed starts: 0 (target = 0) — met");
    assertThat(section(report, "### 10.")).contains("| JVM open fds ", "| cgroups of this run ", "| BRIDGE ", "| no network ")
        .contains("JVM open fds, growth from cycle 10 to the end: 0 (target <= 0) — met");
    assertThat(section(report, "### 11.")).contains("| poc: helpers ", "| crun run -d (no conmon)");
    assertThat(section(report, "### 12.")).contains("| floor: unshare -pfmiun --mount-proc true ", "| init: mounts, pivot_root ");

    assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)).isEmpty();
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(work.toString());
    try (Stream<Path> left = Files.list(work)) {
      assertThat(left).as("the run's scratch directory is deleted").isEmpty();
    }
  }

  private static String section(String report, String heading) {
    int start = report.indexOf(heading);
    assertThat(start).as(heading + " is in the report").isNotNegative();
    int end = report.indexOf("\n### ", start + 1);
    return report.substring(start, end < 0 ? report.length() : end);
  }
}
