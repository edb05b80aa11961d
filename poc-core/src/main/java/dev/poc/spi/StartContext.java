package dev.poc.spi;

import dev.poc.Container;
import dev.poc.ContainerRuntime;
import dev.poc.ContainerSpec;
import java.nio.file.Path;

/**
 * What the strategies of one start share: the spec, a private run directory, the helper's plan,
 * and facts one strategy publishes for the next and for the {@link Container} (the network's
 * {@link NetworkFacts}). One per start; strategies may keep it in their attachment.
 */
public interface StartContext {

  /** The spec being started. */
  ContainerSpec spec();

  /** The container's name. */
  default String name() {
    return spec().name();
  }

  /** The runtime starting it (its state root, its network settings). */
  ContainerRuntime runtime();

  /**
   * A private directory (0700) for this run, removed once the container is released and after a
   * crash once every strategy has reclaimed. A strategy keeps here what it needs to undo its work
   * after a JVM crash: {@link HostSetup#reclaim} is handed the same directory.
   */
  Path runDir();

  /** The helper's plan: add mounts, namespaces, cgroup entry or an interface to it. */
  HelperPlan plan();

  /** Publishes a fact (e.g. the assigned address) for the {@link Container} and later strategies. */
  <T> void publish(Class<T> type, T fact);

  /** A fact published earlier in this start, or null. */
  <T> T fact(Class<T> type);
}
