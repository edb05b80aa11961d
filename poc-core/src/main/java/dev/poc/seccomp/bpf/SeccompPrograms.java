package dev.poc.seccomp.bpf;

import dev.poc.Capability;
import dev.poc.ContainerSpec;
import dev.poc.InvalidSpecException;
import dev.poc.seccomp.Seccomp;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.stream.Collectors;

/**
 * The compiled filter of a {@link Seccomp} for one set of capabilities on this machine, cached:
 * every start and every exec of a container asks for it, and compiling Docker's default profile
 * each time would cost more than the rest of the plan.
 */
public final class SeccompPrograms {
  /** Enough for every profile and capability set a process realistically runs; past it, compile each time. */
  private static final int MAX_CACHED = 256;

  private record Key(Seccomp seccomp, Set<String> capabilities) {}

  private static final ConcurrentMap<Key, Optional<BpfProgram>> PROGRAMS = new ConcurrentHashMap<>();
  /** Their hex, which every start puts in its plan and its run state (Docker's profile: some 6 KiB). */
  private static final ConcurrentMap<Key, Optional<String>> HEXES = new ConcurrentHashMap<>();

  private SeccompPrograms() {}

  /** The container's filter (struct sock_filter array, hex) as poc-init's plan carries it; empty when unconfined. */
  public static Optional<String> hex(ContainerSpec spec) {
    return hex(spec.seccomp(), capabilityNames(spec.capabilities()));
  }

  /**
   * The filter for a container with these effective capabilities (names like {@code
   * CAP_SYS_ADMIN}), as hex; empty when unconfined.
   *
   * @throws InvalidSpecException when the profile needs more than the kernel's 4096 instructions
   */
  public static Optional<String> hex(Seccomp seccomp, Set<String> capabilities) {
    Key key = new Key(seccomp, Set.copyOf(capabilities));
    Optional<String> cached = HEXES.get(key);
    if (cached != null) {
      return cached;
    }
    Optional<String> hex = program(seccomp, capabilities).map(BpfProgram::hex);
    if (HEXES.size() < MAX_CACHED) {
      HEXES.put(key, hex);
    }
    return hex;
  }

  /** {@link #hex(Seccomp, Set)} as the program itself. */
  public static Optional<BpfProgram> program(Seccomp seccomp, Set<String> capabilities) {
    Key key = new Key(seccomp, Set.copyOf(capabilities));
    Optional<BpfProgram> cached = PROGRAMS.get(key);
    if (cached != null) {
      return cached;
    }
    Optional<BpfProgram> compiled = compile(seccomp, key.capabilities());
    if (PROGRAMS.size() < MAX_CACHED) {
      PROGRAMS.put(key, compiled);
    }
    return compiled;
  }

  /** The names a profile's {@code includes.caps} uses, e.g. {@code CAP_SYS_ADMIN}. */
  public static Set<String> capabilityNames(Set<Capability> capabilities) {
    return capabilities.stream().map(Capability::capName).collect(Collectors.toUnmodifiableSet());
  }

  private static Optional<BpfProgram> compile(Seccomp seccomp, Set<String> capabilities) {
    return seccomp.resolve(capabilities).map(p -> {
      try {
        return SeccompCompiler.compile(p, Arch.host());
      } catch (IllegalArgumentException e) {
        throw new InvalidSpecException("seccomp profile " + seccomp.source() + " cannot be compiled: " + e.getMessage());
      }
    });
  }
}
