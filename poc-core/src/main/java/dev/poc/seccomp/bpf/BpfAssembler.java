package dev.poc.seccomp.bpf;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a BPF program with symbolic forward labels. Conditional jumps reach at most 255
 * instructions ahead; when a target is farther, {@link #assemble} routes that branch through an
 * unconditional JA (32-bit offset) placed right after the jump, and repeats the layout until
 * every offset fits.
 */
final class BpfAssembler {
  static final class Label {}

  private static final class Op {
    final int code;
    final int k;
    final Label t;
    final Label f;
    boolean viaT;
    boolean viaF;

    Op(int code, int k, Label t, Label f) {
      this.code = code;
      this.k = k;
      this.t = t;
      this.f = f;
    }

    boolean conditional() {
      return f != null;
    }

    int slots() {
      return 1 + (viaT ? 1 : 0) + (viaF ? 1 : 0);
    }
  }

  private final List<Object> items = new ArrayList<>(); // Op or Label, in order

  BpfAssembler load(int offset) {
    items.add(new Op(BpfProgram.LD_W_ABS, offset, null, null));
    return this;
  }

  BpfAssembler and(int k) {
    items.add(new Op(BpfProgram.ALU_AND_K, k, null, null));
    return this;
  }

  BpfAssembler ret(int k) {
    items.add(new Op(BpfProgram.RET_K, k, null, null));
    return this;
  }

  /** Jumps to {@code t} if the comparison holds, else to {@code f}. */
  BpfAssembler jump(int code, int k, Label t, Label f) {
    items.add(new Op(code, k, t, f));
    return this;
  }

  BpfAssembler ja(Label to) {
    items.add(new Op(BpfProgram.JA, 0, to, null));
    return this;
  }

  BpfAssembler place(Label l) {
    items.add(l);
    return this;
  }

  BpfProgram assemble() {
    Map<Label, Integer> at = new IdentityHashMap<>();
    for (boolean changed = true; changed; ) {
      changed = false;
      layout(at);
      int pc = 0;
      for (Object o : items) {
        if (o instanceof Op op) {
          if (op.conditional()) {
            if (!op.viaT && target(at, op.t) - (pc + 1) > 255) {
              op.viaT = changed = true;
            }
            if (!op.viaF && target(at, op.f) - (pc + 1) > 255) {
              op.viaF = changed = true;
            }
          }
          pc += op.slots();
        }
      }
    }
    List<BpfProgram.Insn> out = new ArrayList<>();
    for (Object o : items) {
      if (!(o instanceof Op op)) {
        continue;
      }
      int pc = out.size();
      if (op.code == BpfProgram.JA) {
        out.add(new BpfProgram.Insn(op.code, 0, 0, offset(at, op.t, pc)));
      } else if (op.conditional()) {
        int jt = op.viaT ? 0 : offset(at, op.t, pc);
        int jf = op.viaF ? (op.viaT ? 1 : 0) : offset(at, op.f, pc);
        out.add(new BpfProgram.Insn(op.code, jt, jf, op.k));
        if (op.viaT) {
          out.add(new BpfProgram.Insn(BpfProgram.JA, 0, 0, offset(at, op.t, out.size())));
        }
        if (op.viaF) {
          out.add(new BpfProgram.Insn(BpfProgram.JA, 0, 0, offset(at, op.f, out.size())));
        }
      } else {
        out.add(new BpfProgram.Insn(op.code, 0, 0, op.k));
      }
    }
    return new BpfProgram(out);
  }

  private void layout(Map<Label, Integer> at) {
    int pc = 0;
    for (Object o : items) {
      if (o instanceof Label l) {
        at.put(l, pc);
      } else {
        pc += ((Op) o).slots();
      }
    }
  }

  private static int target(Map<Label, Integer> at, Label l) {
    Integer pc = at.get(l);
    if (pc == null) {
      throw new IllegalStateException("a jump to a label that was never placed");
    }
    return pc;
  }

  /** The offset from the instruction at {@code pc} to {@code l}: forward only, as BPF requires. */
  private static int offset(Map<Label, Integer> at, Label l, int pc) {
    int d = target(at, l) - (pc + 1);
    if (d < 0) {
      throw new IllegalStateException("a backward jump: BPF jumps only forward");
    }
    return d;
  }
}
