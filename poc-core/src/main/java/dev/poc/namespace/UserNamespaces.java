package dev.poc.namespace;

import dev.poc.InvalidSpecException;
import dev.poc.Namespace;
import dev.poc.spi.Attachment;
import dev.poc.spi.IdMapping;
import dev.poc.spi.NamespaceStrategy;
import dev.poc.spi.StartContext;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Another strategy's namespaces, plus a user namespace of the container's own with fixed id maps:
 * the container's root is the mapped id outside ({@link dev.poc.rootless.RootlessMode} uses it with
 * the user's own uid; root may use it with any map). The other new namespaces are made together
 * with it, so the user namespace owns them, and the init builds the root inside it.
 */
public final class UserNamespaces implements NamespaceStrategy {
  private final NamespaceStrategy others;
  private final IdMapping maps;

  public UserNamespaces(NamespaceStrategy others, IdMapping maps) {
    this.others = Objects.requireNonNull(others, "others");
    this.maps = Objects.requireNonNull(maps, "maps");
  }

  /** The maps every container of this strategy gets. */
  public IdMapping maps() {
    return maps;
  }

  @Override
  public Choice choose(Namespace kind, StartContext ctx) {
    return others.choose(kind, ctx);
  }

  @Override
  public Attachment prepare(StartContext ctx) {
    requireMapped(ctx);
    Attachment a = NamespaceStrategy.super.prepare(ctx);
    ctx.plan().userNamespace(maps);
    ctx.publish(IdMapping.class, maps); // the root's strategy learns that the init builds it inside this namespace
    return a;
  }

  /** A user the namespace does not map could never be switched to: say so before anything starts. */
  private void requireMapped(StartContext ctx) {
    var spec = ctx.spec();
    StringBuilder missing = new StringBuilder();
    if (!maps.mapsUid(spec.uid())) {
      missing.append("uid ").append(spec.uid());
    }
    if (!maps.mapsGid(spec.gid())) {
      missing.append(missing.length() > 0 ? ", " : "").append("gid ").append(spec.gid());
    }
    for (int g : spec.additionalGids()) {
      if (!maps.mapsGid(g)) {
        missing.append(missing.length() > 0 ? ", " : "").append("group ").append(g);
      }
    }
    if (missing.length() > 0) {
      throw new InvalidSpecException("container '" + spec.name() + "' runs as " + missing
          + ", which its user namespace does not map (" + maps + "): run it as user 0, or give this user"
          + " subordinate ids (/etc/subuid and /etc/subgid) and install newuidmap/newgidmap (Debian: uidmap)");
    }
  }

  @Override
  public void reclaim(String name, Path runDir) {
    // nothing on the host: the namespace dies with its last process
  }

  @Override
  public String toString() {
    return others + ", in a user namespace (" + maps + ")";
  }
}
