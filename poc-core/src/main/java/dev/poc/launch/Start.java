package dev.poc.launch;

import dev.poc.ContainerRuntime;
import dev.poc.ContainerSpec;
import dev.poc.spi.StartContext;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The runtime's {@link StartContext}: one per start, with the helper's full plan. */
public final class Start implements StartContext {
  private final ContainerSpec spec;
  private final ContainerRuntime runtime;
  private final Path runDir;
  private final InitPlan plan;
  private final Map<Class<?>, Object> facts = new ConcurrentHashMap<>();

  public Start(ContainerSpec spec, ContainerRuntime runtime, Path runDir, InitPlan plan) {
    this.spec = spec;
    this.runtime = runtime;
    this.runDir = runDir;
    this.plan = plan;
  }

  @Override
  public ContainerSpec spec() {
    return spec;
  }

  @Override
  public ContainerRuntime runtime() {
    return runtime;
  }

  @Override
  public Path runDir() {
    return runDir;
  }

  @Override
  public InitPlan plan() {
    return plan;
  }

  @Override
  public <T> void publish(Class<T> type, T fact) {
    facts.put(type, fact);
  }

  @Override
  public <T> T fact(Class<T> type) {
    return type.cast(facts.get(type));
  }
}
