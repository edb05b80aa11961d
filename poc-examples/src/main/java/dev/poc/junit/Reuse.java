package dev.poc.junit;

import dev.poc.ContainerRuntime;
import dev.poc.ContainerSpec;
import dev.poc.NetworkSettings;
import dev.poc.PocSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * Reusable containers ({@link PocContainer#withReuse(boolean)}), as Testcontainers'
 * {@code withReuse(true)}: opt-in twice, by the container and by the user, because a reused
 * container outlives the test run and so does not start clean.
 *
 * <p>A reusable container runs detached on the runtime of the user's own settings
 * ({@link PocSettings}: {@code poc.stateRoot} / {@code POC_STATE_ROOT}, else
 * {@code /var/lib/poc_container}, and that runtime's network), not the test class's temporary
 * one, which goes at the end of the class. It carries the label {@value #LABEL} with the hash
 * of its spec; a later start with the same hash finds it running and uses it.
 */
final class Reuse {
  /** The system property that enables reuse (as Testcontainers' {@code testcontainers.reuse.enable}). */
  static final String PROPERTY = "poc.reuse.enable";
  /** The environment variable that enables reuse when the property is not set. */
  static final String ENV = "POC_REUSE_ENABLE";
  /** The label a reusable container carries: the hash of its spec. */
  static final String LABEL = "poc.reuse.hash";
  private static final Map<String, ContainerRuntime> RUNTIMES = new HashMap<>();

  private Reuse() {}

  /** Whether the user enabled reuse: the property, else the variable, is {@code true}. */
  static boolean enabled() {
    String v = System.getProperty(PROPERTY);
    if (v == null) {
      v = System.getenv(ENV);
    }
    return "true".equalsIgnoreCase(v == null ? "" : v.trim());
  }

  /**
   * The hash of {@code spec} (its name left out: the caller builds it with a placeholder): of its
   * description, every attribute by value. Identity hashes some values print (content given as
   * bytes, say) are left out, so two such specs that differ only in those bytes share a hash.
   */
  static String hash(ContainerSpec spec) {
    String description = spec.toString().replaceAll("@[0-9a-f]{4,}", "");
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(description.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  /** The runtime of the user's settings as they are now, one per state root and network per JVM. */
  static synchronized ContainerRuntime runtime() {
    Path root = PocSettings.stateRoot().toAbsolutePath().normalize();
    NetworkSettings net = PocSettings.network();
    return RUNTIMES.computeIfAbsent(root + " " + net, k -> ContainerRuntime.builder().stateRoot(root).network(net).build());
  }

  /** The running container of {@code runtime} labelled with {@code hash}, if there is one. */
  static Optional<dev.poc.RunInfo> find(ContainerRuntime runtime, String hash) {
    return runtime.runs().stream().filter(r -> hash.equals(r.labels().get(LABEL))).findFirst();
  }

  /** Closes and forgets the runtimes opened for reuse (their detached containers keep running). */
  static synchronized void forgetRuntimes() {
    RUNTIMES.values().forEach(ContainerRuntime::close);
    RUNTIMES.clear();
  }
}
