package dev.poc.spi;

import dev.poc.ContainerRuntime;
import dev.poc.Namespace;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Decides, kind by kind, whether a container gets a namespace of its own, shares the host's, or
 * joins an existing one (a pod's, say). The default follows the spec: the kinds in
 * {@link dev.poc.ContainerSpec#namespaces()} are new, the others the host's. Set another with
 * {@link ContainerRuntime.Builder#namespaces(NamespaceStrategy)}.
 */
public interface NamespaceStrategy extends HostSetup {

  /** What container {@code ctx.spec()} gets for namespaces of {@code kind}. */
  Choice choose(Namespace kind, StartContext ctx);

  /** Plans each kind's choice; nothing is held on the host. */
  @Override
  default Attachment prepare(StartContext ctx) {
    for (Namespace kind : Namespace.values()) {
      Choice c = choose(kind, ctx);
      if (c.isNew()) {
        ctx.plan().newNamespace(kind);
      } else if (c.joinPath() != null) {
        ctx.plan().joinNamespace(kind, c.joinPath());
      }
    }
    return Attachment.none();
  }

  @Override
  default void reclaim(String name, Path runDir) {}

  /** New, the host's, or joined from a path. */
  final class Choice {
    private static final Choice NEW = new Choice(true, null);
    private static final Choice HOST = new Choice(false, null);

    private final boolean isNew;
    private final Path joinPath;

    private Choice(boolean isNew, Path joinPath) {
      this.isNew = isNew;
      this.joinPath = joinPath;
    }

    /** A namespace of its own. */
    public static Choice fresh() {
      return NEW;
    }

    /** The host's (the helper's) namespace. */
    public static Choice host() {
      return HOST;
    }

    /** The namespace at {@code path}, e.g. {@code /proc/PID/ns/net} of a pod's first container. */
    public static Choice join(Path path) {
      return new Choice(false, Objects.requireNonNull(path, "path"));
    }

    public boolean isNew() {
      return isNew;
    }

    /** The path to join, or null. */
    public Path joinPath() {
      return joinPath;
    }

    @Override
    public String toString() {
      return isNew ? "new" : joinPath == null ? "host" : "join " + joinPath;
    }
  }
}
