package dev.poc.seccomp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.poc.InvalidSpecException;
import dev.poc.seccomp.bpf.Arch;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A container's seccomp confinement: {@link #dockerDefault()} (the default), a profile of your own
 * ({@link #fromJson(Path)}), or {@link #unconfined()}. Immutable; a profile is parsed and checked
 * when the value is made, so a bad one fails before any container starts.
 *
 * <p>The filter a container gets depends on its capabilities (Docker's {@code includes} /
 * {@code excludes}), the architecture and the kernel: {@link #resolve(Set)} settles them. poc
 * compiles the settled profile to the filter each container gets.
 */
public final class Seccomp {
  private static final String DEFAULT_RESOURCE = "docker-default.json";
  private static volatile Seccomp dockerDefault;
  private static final Seccomp UNCONFINED = new Seccomp("unconfined", null);

  private final String source;
  private final SeccompProfile profile; // null: unconfined
  /** 0: not computed yet. Cached: the compiled filters are looked up by this value on every start and exec. */
  private int hash;

  private Seccomp(String source, SeccompProfile profile) {
    this.source = source;
    this.profile = profile;
  }

  /**
   * Docker's default profile, as an allow-list: calls it does not name answer EPERM, namespace
   * flags to clone and unshare, odd personality values and AF_VSOCK sockets are refused, clone3
   * answers ENOSYS (libc falls back to clone), and calls a capability guards open only when the
   * container has that capability. Stricter than Docker in one place: io_uring is refused.
   */
  public static Seccomp dockerDefault() {
    Seccomp d = dockerDefault;
    if (d == null) {
      try (InputStream in = Seccomp.class.getResourceAsStream(DEFAULT_RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException("dev/poc/seccomp/" + DEFAULT_RESOURCE + " is missing from the poc-core jar");
        }
        String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        d = new Seccomp("docker-default", ProfileParser.parse(json, "docker-default", Arch.host()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      dockerDefault = d;
    }
    return d;
  }

  /** No filter at all: every call the capabilities allow is open. */
  public static Seccomp unconfined() {
    return UNCONFINED;
  }

  /**
   * A profile in Docker's / the OCI runtime spec's JSON format.
   *
   * @throws InvalidSpecException naming the file and the field, when the file cannot be read, is not
   *     a profile, names a call that exists on no architecture, or asks for an action poc cannot
   *     honour (SCMP_ACT_TRACE, SCMP_ACT_NOTIFY)
   */
  public static Seccomp fromJson(Path file) {
    String json;
    try {
      json = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new InvalidSpecException("seccomp profile " + file + " does not exist: give the path of a JSON profile");
    } catch (IOException e) {
      throw new InvalidSpecException("seccomp profile " + file + " cannot be read: " + e.getMessage());
    }
    return new Seccomp(file.toString(), ProfileParser.parse(json, file.toString(), Arch.host()));
  }

  /** A profile given as JSON text; {@code source} names it in errors. */
  public static Seccomp fromJson(String json, String source) {
    return new Seccomp(source, ProfileParser.parse(json, source, Arch.host()));
  }

  /** Whether no filter is installed. */
  public boolean isUnconfined() {
    return profile == null;
  }

  /** The profile as written (includes/excludes not yet settled); empty when unconfined. */
  public Optional<SeccompProfile> profile() {
    return Optional.ofNullable(profile);
  }

  /** The profile for a container with these capabilities on this machine; empty when unconfined. */
  public Optional<SeccompProfile> resolve(Set<String> capabilities) {
    return profile().map(p -> p.resolve(capabilities, Arch.host().goName(), KernelVersion.running()));
  }

  /**
   * The settled profile in the OCI runtime spec's JSON ({@code linux.seccomp} of config.json, no
   * includes/excludes), for runtimes such as runc.
   */
  public Optional<String> ociJson(Set<String> capabilities) {
    return resolve(capabilities).map(Seccomp::toOciJson);
  }

  static String toOciJson(SeccompProfile p) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("defaultAction", p.defaultAction().scmpName());
    if (p.defaultAction().kind() == SeccompAction.Kind.ERRNO) {
      out.put("defaultErrnoRet", p.defaultAction().errno());
    }
    out.put("architectures", p.architectures().isEmpty() ? List.of(Arch.host().scmpName()) : p.architectures());
    List<Map<String, Object>> calls = new ArrayList<>();
    for (SeccompProfile.Rule r : p.syscalls()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("names", r.names());
      m.put("action", r.action().scmpName());
      if (r.action().kind() == SeccompAction.Kind.ERRNO) {
        m.put("errnoRet", r.action().errno());
      }
      if (!r.args().isEmpty()) {
        List<Map<String, Object>> args = new ArrayList<>();
        for (SeccompProfile.ArgCondition c : r.args()) {
          Map<String, Object> a = new LinkedHashMap<>();
          a.put("index", c.index());
          a.put("value", new java.math.BigInteger(Long.toUnsignedString(c.value())));
          a.put("valueTwo", new java.math.BigInteger(Long.toUnsignedString(c.valueTwo())));
          a.put("op", "SCMP_CMP_" + c.op().name());
          args.add(a);
        }
        m.put("args", args);
      }
      calls.add(m);
    }
    out.put("syscalls", calls);
    try {
      return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Where the profile came from: {@code docker-default}, {@code unconfined}, or its file. */
  public String source() {
    return source;
  }

  @Override
  public boolean equals(Object o) {
    return o == this || o instanceof Seccomp s && s.source.equals(source) && Objects.equals(s.profile, profile);
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = Objects.hash(source, profile);
      hash = h;
    }
    return h;
  }

  @Override
  public String toString() {
    return "Seccomp[" + source + "]";
  }
}
