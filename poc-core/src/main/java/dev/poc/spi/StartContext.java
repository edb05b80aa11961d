package dev.poc.spi;

import dev.poc.Container;
import dev.poc.ContainerRuntime;
import dev.poc.ContainerSpec;
import dev.poc.launch.InitPlan;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** What the host setups of one start share: the spec, the run directory, the helper's plan. */
public final class StartContext {
  private final ContainerSpec spec;
  private final ContainerRuntime runtime;
  private final Path runDir;
  private final InitPlan plan;
  private final Map<Class<?>, Object> facts = new ConcurrentHashMap<>();

  public StartContext(ContainerSpec spec, ContainerRuntime runtime, Path runDir, InitPlan plan) {
    this.spec = spec;
    this.runtime = runtime;
    this.runDir = runDir;
    this.plan = plan;
  }

  public ContainerSpec spec() {
    return spec;
  }

  public String name() {
    return spec.name();
  }

  public ContainerRuntime runtime() {
    return runtime;
  }

  /** A private directory (0700) for this run; removed when the container is released. */
  public Path runDir() {
    return runDir;
  }

  public InitPlan plan() {
    return plan;
  }

  /** Publishes a fact (e.g. the assigned address) for the {@link Container} and later setups. */
  public <T> void publish(Class<T> type, T fact) {
    facts.put(type, fact);
  }

  public <T> T fact(Class<T> type) {
    return type.cast(facts.get(type));
  }

  Map<Class<?>, Object> facts() {
    return facts;
  }
}
