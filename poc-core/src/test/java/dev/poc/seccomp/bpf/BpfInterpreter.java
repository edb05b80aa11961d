package dev.poc.seccomp.bpf;

import java.util.List;

/** Runs a seccomp BPF program over one seccomp_data, as the kernel would: for tests. */
final class BpfInterpreter {
  private BpfInterpreter() {}

  /** What one call looked like to the filter. */
  record Call(int nr, int arch, long... args) {}

  record Result(int ret, int steps) {}

  static int run(BpfProgram p, Call c) {
    return trace(p, c).ret();
  }

  static Result trace(BpfProgram p, Call c) {
    List<BpfProgram.Insn> in = p.instructions();
    int a = 0;
    int steps = 0;
    for (int pc = 0; ; pc++) {
      BpfProgram.Insn i = in.get(pc); // IndexOutOfBounds: the program fell off its end
      steps++;
      switch (i.code()) {
        case BpfProgram.LD_W_ABS -> a = load(c, i.k());
        case BpfProgram.ALU_AND_K -> a &= i.k();
        case BpfProgram.JA -> pc += i.k();
        case BpfProgram.JEQ_K -> pc += a == i.k() ? i.jt() : i.jf();
        case BpfProgram.JGT_K -> pc += Integer.compareUnsigned(a, i.k()) > 0 ? i.jt() : i.jf();
        case BpfProgram.JGE_K -> pc += Integer.compareUnsigned(a, i.k()) >= 0 ? i.jt() : i.jf();
        case BpfProgram.JSET_K -> pc += (a & i.k()) != 0 ? i.jt() : i.jf();
        case BpfProgram.RET_K -> {
          return new Result(i.k(), steps);
        }
        default -> throw new IllegalStateException("opcode " + i.code());
      }
    }
  }

  private static int load(Call c, int off) {
    if (off == 0) {
      return c.nr();
    }
    if (off == 4) {
      return c.arch();
    }
    if (off == 8 || off == 12) {
      return 0; // instruction_pointer
    }
    int idx = (off - 16) / 8;
    long v = idx < c.args().length ? c.args()[idx] : 0;
    return (off - 16) % 8 == 0 ? (int) v : (int) (v >>> 32);
  }
}
