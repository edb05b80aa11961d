package dev.poc.seccomp.bpf;

import java.util.List;
import java.util.Optional;

/**
 * The system-call ABIs the compiler knows: their kernel audit value (what seccomp_data.arch
 * holds), their libseccomp name, and their column in the syscall table. x32 shares x86-64's
 * audit value; its calls are told apart by {@link #X32_SYSCALL_BIT} in the syscall number.
 */
public enum Arch {
  X86_64("SCMP_ARCH_X86_64", 0xC000003E, true, "amd64"),
  X86("SCMP_ARCH_X86", 0x40000003, false, "x86"),
  X32("SCMP_ARCH_X32", 0xC000003E, false, "x32"),
  AARCH64("SCMP_ARCH_AARCH64", 0xC00000B7, true, "arm64");

  /** Set in the number of every x32 call (the kernel's __X32_SYSCALL_BIT). */
  public static final int X32_SYSCALL_BIT = 0x40000000;

  private final String scmpName;
  private final int auditArch;
  private final boolean wide;
  private final String goName;

  Arch(String scmpName, int auditArch, boolean wide, String goName) {
    this.scmpName = scmpName;
    this.auditArch = auditArch;
    this.wide = wide;
    this.goName = goName;
  }

  /** The name profiles use, e.g. {@code SCMP_ARCH_X86_64}. */
  public String scmpName() {
    return scmpName;
  }

  /** The AUDIT_ARCH_* value the kernel puts in seccomp_data.arch. */
  public int auditArch() {
    return auditArch;
  }

  /** Whether arguments are 64 bits wide (both halves compared); 32-bit ABIs compare the low half. */
  public boolean wideArgs() {
    return wide;
  }

  /** Docker's name for it in {@code includes.arches} (Go's GOARCH). */
  public String goName() {
    return goName;
  }

  /** The ABIs a process on this native architecture can use, native first. */
  public List<Arch> family() {
    return switch (this) {
      case X86_64, X86, X32 -> List.of(X86_64, X86, X32);
      case AARCH64 -> List.of(AARCH64);
    };
  }

  public static Optional<Arch> byScmpName(String name) {
    for (Arch a : values()) {
      if (a.scmpName.equals(name)) {
        return Optional.of(a);
      }
    }
    return Optional.empty();
  }

  /** The architecture this JVM runs on. */
  public static Arch host() {
    String a = System.getProperty("os.arch");
    return switch (a) {
      case "amd64", "x86_64" -> X86_64;
      case "aarch64", "arm64" -> AARCH64;
      default -> throw new IllegalStateException("poc's seccomp compiler does not know architecture " + a
          + ": it knows x86_64 (with i386 and x32) and aarch64");
    };
  }
}
