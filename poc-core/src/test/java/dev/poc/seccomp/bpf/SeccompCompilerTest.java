package dev.poc.seccomp.bpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poc.InvalidSpecException;
import dev.poc.seccomp.Seccomp;
import dev.poc.seccomp.SeccompAction;
import dev.poc.seccomp.SeccompProfile;
import dev.poc.seccomp.SeccompProfile.ArgCondition;
import dev.poc.seccomp.SeccompProfile.Op;
import dev.poc.seccomp.SeccompProfile.Rule;
import dev.poc.seccomp.bpf.BpfInterpreter.Call;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The compiler's output, run by a BPF interpreter over seccomp_data inputs: pure logic. */
class SeccompCompilerTest {
  static final int X86_64 = Arch.X86_64.auditArch();
  static final int I386 = Arch.X86.auditArch();
  static final int ALLOW = SeccompAction.ALLOW.returnValue();
  static final int EPERM = SeccompAction.errno(1).returnValue();
  static final int KILL = SeccompAction.KILL_PROCESS.returnValue();
  static final List<String> X86_FAMILY = List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");

  static int nr(String name, Arch a) {
    return SyscallTable.get().number(name, a).getAsInt();
  }

  static BpfProgram dockerDefault(Set<String> caps, Arch arch) {
    SeccompProfile p = Seccomp.dockerDefault().profile().orElseThrow().resolve(caps, arch.goName(), "6.1.0");
    return SeccompCompiler.compile(new SeccompProfile(p.defaultAction(), X86_FAMILY, p.syscalls()), arch);
  }

  @Test
  void dockerDefaultAllowsTheOrdinaryAndRefusesTheRest() {
    BpfProgram p = dockerDefault(Set.of(), Arch.X86_64);
    assertThat(BpfInterpreter.run(p, new Call(nr("getpid", Arch.X86_64), X86_64))).isEqualTo(ALLOW);
    assertThat(BpfInterpreter.run(p, new Call(nr("read", Arch.X86_64), X86_64))).isEqualTo(ALLOW);
    assertThat(BpfInterpreter.run(p, new Call(nr("kcmp", Arch.X86_64), X86_64))).isEqualTo(EPERM);
    assertThat(BpfInterpreter.run(p, new Call(nr("io_uring_setup", Arch.X86_64), X86_64))).isEqualTo(EPERM);
    assertThat(BpfInterpreter.run(p, new Call(nr("mount", Arch.X86_64), X86_64))).isEqualTo(EPERM);
    assertThat(BpfInterpreter.run(p, new Call(nr("clone3", Arch.X86_64), X86_64)))
        .isEqualTo(SeccompAction.errno(38).returnValue());
    assertThat(BpfInterpreter.run(p, new Call(999, X86_64))).as("a call added next year: libc falls back")
        .isEqualTo(SeccompAction.errno(38).returnValue());
    assertThat(BpfInterpreter.run(p, new Call(nr("sysfs", Arch.X86_64), X86_64))).as("an old call not named").isEqualTo(EPERM);
    // i386 is admitted, with its own numbers: getpid is 20 there
    assertThat(BpfInterpreter.run(p, new Call(20, I386))).isEqualTo(ALLOW);
    assertThat(BpfInterpreter.run(p, new Call(nr("kcmp", Arch.X86), I386))).isEqualTo(EPERM);
    // x32: the same calls with __X32_SYSCALL_BIT
    assertThat(BpfInterpreter.run(p, new Call(nr("getpid", Arch.X32), X86_64))).isEqualTo(ALLOW);
    assertThat(BpfInterpreter.run(p, new Call(nr("kcmp", Arch.X32), X86_64))).isEqualTo(EPERM);
    // another architecture: killed
    assertThat(BpfInterpreter.run(p, new Call(39, Arch.AARCH64.auditArch()))).isEqualTo(KILL);
  }

  @Test
  void namespaceFlagsAndOddPersonalitiesAndVsockAreRefused() {
    BpfProgram p = dockerDefault(Set.of(), Arch.X86_64);
    int clone = nr("clone", Arch.X86_64);
    assertThat(BpfInterpreter.run(p, new Call(clone, X86_64, 0x11L))).isEqualTo(ALLOW); // SIGCHLD|...
    assertThat(BpfInterpreter.run(p, new Call(clone, X86_64, 0x10000000L | 17))).isEqualTo(EPERM); // NEWUSER
    int personality = nr("personality", Arch.X86_64);
    assertThat(BpfInterpreter.run(p, new Call(personality, X86_64, 0xffffffffL))).isEqualTo(ALLOW);
    assertThat(BpfInterpreter.run(p, new Call(personality, X86_64, 8L))).isEqualTo(ALLOW);
    assertThat(BpfInterpreter.run(p, new Call(personality, X86_64, 0x0040000L))).isEqualTo(EPERM); // READ_IMPLIES_EXEC
    assertThat(BpfInterpreter.run(p, new Call(personality, X86_64, 0x1_0000_0000L))).as("high half counts").isEqualTo(EPERM);
    int socket = nr("socket", Arch.X86_64);
    assertThat(BpfInterpreter.run(p, new Call(socket, X86_64, 2L))).isEqualTo(ALLOW);
    assertThat(BpfInterpreter.run(p, new Call(socket, X86_64, 40L))).isEqualTo(EPERM);
  }

  @Test
  void capabilitiesOpenTheirCalls() {
    BpfProgram admin = dockerDefault(Set.of("CAP_SYS_ADMIN", "CAP_SYS_PTRACE"), Arch.X86_64);
    assertThat(BpfInterpreter.run(admin, new Call(nr("clone", Arch.X86_64), X86_64, 0x10000000L))).isEqualTo(ALLOW);
    assertThat(BpfInterpreter.run(admin, new Call(nr("mount", Arch.X86_64), X86_64))).isEqualTo(ALLOW);
    assertThat(BpfInterpreter.run(admin, new Call(nr("clone3", Arch.X86_64), X86_64))).isEqualTo(ALLOW);
    assertThat(BpfInterpreter.run(admin, new Call(nr("kcmp", Arch.X86_64), X86_64))).isEqualTo(ALLOW);
    assertThat(BpfInterpreter.run(admin, new Call(nr("reboot", Arch.X86_64), X86_64))).isEqualTo(EPERM);
  }

  @Test
  void aarch64HasItsOwnNumbersAndNoSubArchitectures() {
    SeccompProfile p = Seccomp.dockerDefault().profile().orElseThrow().resolve(Set.of(), Arch.AARCH64.goName(), "6.1");
    BpfProgram prog = SeccompCompiler.compile(new SeccompProfile(p.defaultAction(), List.of("SCMP_ARCH_AARCH64"),
        p.syscalls()), Arch.AARCH64);
    int a64 = Arch.AARCH64.auditArch();
    assertThat(BpfInterpreter.run(prog, new Call(172, a64))).isEqualTo(ALLOW); // getpid
    assertThat(BpfInterpreter.run(prog, new Call(nr("kcmp", Arch.AARCH64), a64))).isEqualTo(EPERM);
    assertThat(BpfInterpreter.run(prog, new Call(39, X86_64))).isEqualTo(KILL);
  }

  @Test
  void theTreeIsBalanced() {
    BpfProgram p = dockerDefault(Set.of(), Arch.X86_64);
    int worst = 0;
    for (int n = 0; n < 600; n++) {
      worst = Math.max(worst, BpfInterpreter.trace(p, new Call(n, X86_64, 0x11L, 0, 0)).steps());
    }
    List<SeccompCompiler.Run> runs = SeccompCompiler.runs(
        Seccomp.dockerDefault().profile().orElseThrow().resolve(Set.of(), Arch.X86_64.goName(), "6.1"), Arch.X86_64);
    int depth = 32 - Integer.numberOfLeadingZeros(runs.size() - 1); // ceil(log2(runs))
    assertThat(runs.size()).isGreaterThan(40);
    // arch check (2-4), x32 split (2), the search, the longest argument block (personality: 5 rules of 4)
    assertThat(worst).isLessThanOrEqualTo(4 + 2 + depth + 5 * 4 + 1).isLessThan(runs.size());
    assertThat(p.length()).isLessThan(BpfProgram.MAX_INSNS);
  }

  @Test
  void eachComparisonLooksAtBothHalvesOfA64BitValue() {
    long v = 0x0000_0001_0000_0010L;
    long[] probes = {0, 0x10, 0x0f, 0x11, v - 1, v, v + 1, 0x0000_0002_0000_0000L, 0xffff_ffff_0000_0010L, -1L};
    for (Op op : Op.values()) {
      SeccompProfile prof = new SeccompProfile(SeccompAction.errno(1), List.of("SCMP_ARCH_X86_64"),
          List.of(new Rule(List.of("getpid"), SeccompAction.ALLOW, List.of(new ArgCondition(2, op == Op.MASKED_EQ
              ? 0xffff_0000_0000_00ffL : v, op == Op.MASKED_EQ ? 0x0000_0000_0000_0010L : 0, op)))));
      BpfProgram p = SeccompCompiler.compile(prof, Arch.X86_64);
      for (long a : probes) {
        boolean expected = switch (op) {
          case EQ -> a == v;
          case NE -> a != v;
          case LT -> Long.compareUnsigned(a, v) < 0;
          case LE -> Long.compareUnsigned(a, v) <= 0;
          case GT -> Long.compareUnsigned(a, v) > 0;
          case GE -> Long.compareUnsigned(a, v) >= 0;
          case MASKED_EQ -> (a & 0xffff_0000_0000_00ffL) == 0x10L;
        };
        assertThat(BpfInterpreter.run(p, new Call(39, X86_64, 0, 0, a)))
            .as("%s 0x%x vs 0x%x", op, a, v).isEqualTo(expected ? ALLOW : EPERM);
      }
    }
  }

  @Test
  void farJumpsGoThroughTrampolines() {
    // many argument rules on one call: the other branches of the tree jump over them all
    List<Rule> rules = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      rules.add(new Rule(List.of("ioctl"), SeccompAction.ALLOW, List.of(new ArgCondition(1, i, 0, Op.EQ))));
    }
    rules.add(new Rule(List.of("read", "write", "getpid", "openat"), SeccompAction.ALLOW, List.of()));
    BpfProgram p = SeccompCompiler.compile(new SeccompProfile(SeccompAction.errno(1), List.of(), rules), Arch.X86_64);
    assertThat(p.instructions()).anyMatch(i -> i.code() == BpfProgram.JA);
    int ioctl = nr("ioctl", Arch.X86_64);
    assertThat(BpfInterpreter.run(p, new Call(ioctl, X86_64, 3, 199))).isEqualTo(ALLOW);
    assertThat(BpfInterpreter.run(p, new Call(ioctl, X86_64, 3, 200))).isEqualTo(EPERM);
    assertThat(BpfInterpreter.run(p, new Call(nr("openat", Arch.X86_64), X86_64))).isEqualTo(ALLOW);
    assertThat(BpfInterpreter.run(p, new Call(nr("getpid", Arch.X86_64), X86_64))).isEqualTo(ALLOW);
    assertThat(BpfInterpreter.run(p, new Call(nr("mkdir", Arch.X86_64), X86_64))).isEqualTo(EPERM);
    // no x32 or i386 admitted: x32 numbers and i386 calls are killed
    assertThat(BpfInterpreter.run(p, new Call(nr("getpid", Arch.X32), X86_64))).isEqualTo(KILL);
    assertThat(BpfInterpreter.run(p, new Call(20, I386))).isEqualTo(KILL);
  }

  @Test
  void theVerifierRefusesWhatTheKernelWould() {
    BpfProgram.Insn ret = new BpfProgram.Insn(BpfProgram.RET_K, 0, 0, ALLOW);
    BpfProgram.Insn ld = new BpfProgram.Insn(BpfProgram.LD_W_ABS, 0, 0, 0);
    assertThatThrownBy(() -> new BpfProgram(List.of(new BpfProgram.Insn(BpfProgram.JEQ_K, 2, 0, 1), ret)))
        .hasMessageContaining("out of range");
    assertThatThrownBy(() -> new BpfProgram(List.of(new BpfProgram.Insn(BpfProgram.JA, 0, 0, 1), ret)))
        .hasMessageContaining("past the end");
    assertThatThrownBy(() -> new BpfProgram(List.of(ret, ld))).hasMessageContaining("end in a return");
    assertThatThrownBy(() -> new BpfProgram(List.of(new BpfProgram.Insn(BpfProgram.LD_W_ABS, 0, 0, 64), ret)))
        .hasMessageContaining("outside seccomp_data");
    assertThatThrownBy(() -> new BpfProgram(List.of())).hasMessageContaining("1 to 4096");
    List<BpfProgram.Insn> tooLong = new ArrayList<>();
    for (int i = 0; i < 4097; i++) {
      tooLong.add(ret);
    }
    assertThatThrownBy(() -> new BpfProgram(tooLong)).hasMessageContaining("4097");
    BpfProgram ok = new BpfProgram(List.of(ld, new BpfProgram.Insn(BpfProgram.JEQ_K, 1, 0, 39), ret, ret));
    assertThat(BpfProgram.fromHex(ok.hex())).isEqualTo(ok);
  }

  @Test
  void namesOfAnotherArchitectureAreSkippedAndUnknownNamesRefused() {
    Seccomp s = Seccomp.fromJson("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"recv\",\"arch_prctl\","
        + "\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13}]}", "test");
    BpfProgram p = SeccompPrograms.program(s, Set.of()).orElseThrow();
    assertThat(BpfInterpreter.run(p, new Call(nr("mkdir", Arch.host()), Arch.host().auditArch())))
        .isEqualTo(SeccompAction.errno(13).returnValue());
    assertThatThrownBy(() -> Seccomp.fromJson("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
        + "[\"mkdri\"],\"action\":\"SCMP_ACT_ERRNO\"}]}", "typo.json"))
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("typo.json")
        .hasMessageContaining("syscalls[0].names").hasMessageContaining("'mkdri'");
  }

  @Test
  void badProfilesNameTheirField() {
    assertThatThrownBy(() -> Seccomp.fromJson("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
        + "[\"ptrace\"],\"action\":\"SCMP_ACT_TRACE\"}]}", "p.json"))
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("syscalls[0].action").hasMessageContaining("TRACE");
    assertThatThrownBy(() -> Seccomp.fromJson("{\"defaultAction\":\"SCMP_ACT_NOTIFY\"}", "p.json"))
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("defaultAction").hasMessageContaining("NOTIFY");
    assertThatThrownBy(() -> Seccomp.fromJson("{\"defaultAction\":\"SCMP_ACT_ALLOW\",", "p.json"))
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> Seccomp.fromJson("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
        + "[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":7,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}", "p.json"))
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("syscalls[0].args[0].index");
    assertThatThrownBy(() -> Seccomp.fromJson("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"sycalls\":[]}", "p.json"))
        .isInstanceOf(InvalidSpecException.class).hasMessageContaining("sycalls");
  }
}
