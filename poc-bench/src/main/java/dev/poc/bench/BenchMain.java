package dev.poc.bench;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The benchmark's command line: runs the chosen scenarios and writes one Markdown report. */
@Command(name = "poc-bench/run", mixinStandardHelpOptions = true,
    description = "Times poc beside runc, crun and the bare unshare floor; prints a Markdown report and writes it to --out.")
public final class BenchMain implements Callable<Integer> {
  @Option(names = "--scenarios", split = ",", description = "Which scenarios to run (default: ${DEFAULT-VALUE}).",
      defaultValue = "1,2,3,4,5,6,7,8,9,10,11,12")
  List<Integer> scenarios;

  @Option(names = "--iterations", description = "Measured runs per variant (default: ${DEFAULT-VALUE}).", defaultValue = "100")
  int iterations;

  @Option(names = "--warmup", description = "Discarded runs per variant first (default: ${DEFAULT-VALUE}).", defaultValue = "20")
  int warmup;

  @Option(names = "--pause-ms", description = "Quiet time before each timed run, so that none inherits the kernel's "
      + "work left by the one before (default: ${DEFAULT-VALUE}).", defaultValue = "50")
  long pauseMillis;

  @Option(names = "--variants", description = "Only the timed variants whose name matches this regular expression, "
      + "e.g. 'poc' or 'BRIDGE' (for profiling one with --profile).")
  Pattern variants;

  @Option(names = "--jit-warmup", description = "poc containers started first so the JIT compiles poc's start path "
      + "(default: ${DEFAULT-VALUE}).", defaultValue = "300")
  int jitWarmup;

  @Option(names = "--filler-mib", description = "Size of the large base's filler in scenario 3 (default: ${DEFAULT-VALUE}).",
      defaultValue = "256")
  int fillerMiB;

  @Option(names = "--soak-cycles", description = "Start/stop cycles of scenario 10's soak (default: ${DEFAULT-VALUE}).",
      defaultValue = "10000")
  int soakCycles;

  @Option(names = "--out", description = "Where the Markdown report goes (default: ${DEFAULT-VALUE}).",
      defaultValue = "poc-bench/target/bench-results.md")
  Path out;

  @Option(names = "--work-dir", description = "Parent of the run's scratch directory (default: ${DEFAULT-VALUE}).",
      defaultValue = "poc-bench/target/work")
  Path workDir;

  private final List<String> args = new ArrayList<>();

  public static void main(String[] args) {
    BenchMain main = new BenchMain();
    main.args.addAll(List.of(args));
    System.exit(new CommandLine(main).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    PrintStream log = System.err;
    StringBuilder report = new StringBuilder();
    try (BenchEnv env = BenchEnv.open(workDir, log)) {
      report.append(header(env));
      env.warmUpJit(jitWarmup);
      Harness harness = new Harness(warmup, iterations, pauseMillis, variants, log);
      for (Scenario s : List.of(new StartToExitScenario(), new LimitsScenario(), new BuildScenario(fillerMiB),
          new ConcurrencyScenario(), new MemoryScenario(), new SeccompScenario(), new ImageScenario(),
          new CliScenario(), new BurstScenario(), new SoakScenario(soakCycles), new IdleMemoryScenario(),
          new FloorProfileScenario(), new RootlessScenario())) {
        if (scenarios.contains(s.number())) {
          log.println("scenario " + s.number() + " ...");
          String section = s.run(env, harness).render();
          System.out.println(section);
          report.append(section);
        }
      }
      report.append("Load average at the end: ").append(MachineInfo.loadAverage()).append("\n");
    }
    Path file = out.toAbsolutePath();
    Files.createDirectories(file.getParent());
    Files.writeString(file, report);
    log.println("report written to " + file);
    return 0;
  }

  private String header(BenchEnv env) {
    return "## Benchmarks\n\nCommand: `sudo poc-bench/run" + (args.isEmpty() ? "" : " " + String.join(" ", args)) + "`\n\n"
        + MachineInfo.describe(env) + "\n";
  }
}
