package dev.poc.namespace;

import dev.poc.Namespace;
import dev.poc.spi.NamespaceStrategy;
import dev.poc.spi.StartContext;

/** The default: the kinds in the spec's {@code namespaces()} are new, the others the host's. */
public final class LinuxNamespaces implements NamespaceStrategy {

  @Override
  public Choice choose(Namespace kind, StartContext ctx) {
    return ctx.spec().namespaces().contains(kind) ? Choice.fresh() : Choice.host();
  }

  @Override
  public String toString() {
    return "namespaces as the spec says";
  }
}
