package dev.poc.seccomp;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A seccomp profile in Docker's / the OCI runtime spec's terms: a default action, the
 * architectures it covers, and rules that give named calls (optionally only for some argument
 * values) another action. Docker's {@code includes}/{@code excludes} make a rule depend on the
 * container's capabilities, the architecture and the kernel; {@link #resolve} settles them,
 * giving the plain OCI profile a compiler (or runc) takes.
 *
 * @param defaultAction what every call no rule matches gets
 * @param architectures the ABIs the filter admits, as libseccomp names them; empty: the native one
 * @param syscalls the rules, in profile order
 */
public record SeccompProfile(SeccompAction defaultAction, List<String> architectures, List<Rule> syscalls) {

  public SeccompProfile {
    architectures = List.copyOf(architectures);
    syscalls = List.copyOf(syscalls);
  }

  /**
   * One entry of {@code syscalls}: these names get {@code action} when every argument condition
   * holds.
   */
  public record Rule(List<String> names, SeccompAction action, List<ArgCondition> args, When includes, When excludes) {
    public Rule {
      names = List.copyOf(names);
      args = List.copyOf(args);
    }

    public Rule(List<String> names, SeccompAction action, List<ArgCondition> args) {
      this(names, action, args, When.ALWAYS, When.ALWAYS);
    }
  }

  /** The comparison operators of {@code args[].op}. */
  public enum Op { NE, LT, LE, EQ, GE, GT, MASKED_EQ }

  /**
   * {@code args[]}: argument {@code index} (0-5) compared with {@code value}; for MASKED_EQ,
   * {@code (arg & value) == valueTwo}. Values are 64-bit (unsigned, held in a long).
   */
  public record ArgCondition(int index, long value, long valueTwo, Op op) {
    public ArgCondition {
      if (index < 0 || index > 5) {
        throw new IllegalArgumentException("argument index " + index + " is not 0-5");
      }
    }
  }

  /**
   * Docker's {@code includes} / {@code excludes}: capabilities (all of them), architectures (Go
   * names: amd64, arm64, ...) and a minimum kernel version. Empty fields say nothing.
   */
  public record When(List<String> caps, List<String> arches, Optional<String> minKernel) {
    public static final When ALWAYS = new When(List.of(), List.of(), Optional.empty());

    public When {
      caps = List.copyOf(caps);
      arches = List.copyOf(arches);
    }

    boolean isEmpty() {
      return caps.isEmpty() && arches.isEmpty() && minKernel.isEmpty();
    }
  }

  /**
   * The plain profile for one container: rules whose {@code includes} hold and whose
   * {@code excludes} do not, as Docker decides them (includes: every listed capability present,
   * the native architecture listed, the kernel at least minKernel; excludes: any listed capability
   * present or the native architecture listed).
   *
   * @param caps the container's effective capabilities, e.g. {@code CAP_SYS_ADMIN}
   * @param nativeArch the native architecture as {@code includes.arches} names it (Go's GOARCH:
   *     {@code amd64}, {@code arm64})
   * @param kernel the running kernel's release, e.g. {@code 6.1.0}
   */
  public SeccompProfile resolve(Set<String> caps, String nativeArch, String kernel) {
    List<Rule> kept = new ArrayList<>();
    for (Rule r : syscalls) {
      When in = r.includes();
      boolean include = caps.containsAll(in.caps())
          && (in.arches().isEmpty() || in.arches().contains(nativeArch))
          && (in.minKernel().isEmpty() || KernelVersion.atLeast(kernel, in.minKernel().get()));
      When ex = r.excludes();
      boolean exclude = ex.caps().stream().anyMatch(caps::contains) || ex.arches().contains(nativeArch)
          || (ex.minKernel().isPresent() && KernelVersion.atLeast(kernel, ex.minKernel().get()));
      if (include && !exclude) {
        kept.add(new Rule(r.names(), r.action(), r.args()));
      }
    }
    return new SeccompProfile(defaultAction, architectures, kept);
  }

  /** Whether no rule still depends on capabilities, architecture or kernel. */
  public boolean isResolved() {
    return syscalls.stream().allMatch(r -> r.includes().isEmpty() && r.excludes().isEmpty());
  }
}
