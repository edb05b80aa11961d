package dev.poc.seccomp.bpf;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Syscall names to numbers on each {@link Arch}, read from {@code syscalls.tsv}: generated from
 * the kernel headers by {@code poc-core/src/main/c/gen-syscalls.sh} (see its header).
 */
public final class SyscallTable {
  /**
   * Calls of architectures poc does not compile for (arm, ppc, s390, mips, riscv, ...) that Docker's
   * and podman's profiles name: a profile that lists them is valid, they just match nothing here.
   */
  private static final Set<String> OTHER_ARCHES = Set.of("recv", "send", "arm_fadvise64_64",
      "arm_sync_file_range", "breakpoint", "cacheflush", "set_tls", "sync_file_range2", "swapcontext",
      "s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr", "s390_guarded_storage",
      "s390_sthyi", "riscv_flush_icache", "riscv_hwprobe", "spu_create", "spu_run", "subpage_prot",
      "switch_endian", "sys_debug_setcontext", "multiplexer", "rtas", "cachectl", "sysmips",
      "usr26", "usr32", "atomic_barrier", "atomic_cmpxchg_32", "oldumount", "umount", "stime",
      // and podman's (containers/common): alpha, arm and powerpc's PCI calls, mips's syscall and timerfd
      "pciconfig_iobase", "pciconfig_read", "pciconfig_write", "syscall", "timerfd");

  private static final SyscallTable INSTANCE = load();

  private final Map<String, int[]> numbers; // name -> number per Arch.ordinal(), -1 where absent

  private SyscallTable(Map<String, int[]> numbers) {
    this.numbers = numbers;
  }

  public static SyscallTable get() {
    return INSTANCE;
  }

  /** The call's number on {@code arch} (x32: with {@link Arch#X32_SYSCALL_BIT} set), if it has one. */
  public OptionalInt number(String name, Arch arch) {
    int[] n = numbers.get(name);
    if (n == null || n[arch.ordinal()] < 0) {
      return OptionalInt.empty();
    }
    int nr = n[arch.ordinal()];
    return OptionalInt.of(arch == Arch.X32 ? nr | Arch.X32_SYSCALL_BIT : nr);
  }

  /** Whether the name is a system call on some architecture (if not, a profile naming it has a typo). */
  public boolean isKnown(String name) {
    return numbers.containsKey(name) || OTHER_ARCHES.contains(name);
  }

  private static SyscallTable load() {
    Map<String, int[]> m = new HashMap<>();
    try (InputStream in = SyscallTable.class.getResourceAsStream("syscalls.tsv")) {
      if (in == null) {
        throw new IllegalStateException("dev/poc/seccomp/bpf/syscalls.tsv is missing from the poc-core jar");
      }
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
      for (String line; (line = r.readLine()) != null; ) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] f = line.trim().split("\\s+");
        int[] n = new int[Arch.values().length];
        for (Arch a : Arch.values()) {
          String v = f[1 + a.ordinal()];
          n[a.ordinal()] = v.equals("-") ? -1 : Integer.parseInt(v);
        }
        m.put(f[0], n);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new SyscallTable(Map.copyOf(m));
  }
}
