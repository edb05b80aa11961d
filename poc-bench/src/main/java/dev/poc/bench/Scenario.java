package dev.poc.bench;

/** One numbered part of the benchmark (see the issue): it measures, and writes its section. */
interface Scenario {
  /** The number the user selects it by (--scenarios 1,4,5). */
  int number();

  Section run(BenchEnv env, Harness harness) throws Exception;
}
