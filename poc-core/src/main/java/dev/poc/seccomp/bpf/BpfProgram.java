package dev.poc.seccomp.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;

/**
 * A classic BPF program for SECCOMP_SET_MODE_FILTER, checked on construction the way the kernel
 * would check it ({@link #verify}), so that poc-init only ever installs a program the kernel takes.
 */
public record BpfProgram(List<Insn> instructions) {
  /** The kernel's limit (BPF_MAXINSNS). */
  public static final int MAX_INSNS = 4096;

  // the opcodes a seccomp program of ours uses
  public static final int LD_W_ABS = 0x20;
  public static final int ALU_AND_K = 0x54;
  public static final int JA = 0x05;
  public static final int JEQ_K = 0x15;
  public static final int JGT_K = 0x25;
  public static final int JGE_K = 0x35;
  public static final int JSET_K = 0x45;
  public static final int RET_K = 0x06;
  /** sizeof(struct seccomp_data): nr, arch, instruction_pointer, args[6]. */
  public static final int SECCOMP_DATA_SIZE = 64;

  /** One struct sock_filter: opcode, jump offsets when true / false, constant. */
  public record Insn(int code, int jt, int jf, int k) {
    @Override
    public String toString() {
      return String.format("{0x%02x,%d,%d,0x%08x}", code, jt, jf, k);
    }
  }

  public BpfProgram {
    instructions = List.copyOf(instructions);
    verify(instructions);
  }

  public int length() {
    return instructions.size();
  }

  /**
   * Refuses what the kernel's checker would, and what a seccomp filter must not do: an empty or
   * over-long program, an opcode outside the set used here, a load outside seccomp_data, a jump
   * that leaves the program (every jump is forward in classic BPF), or a last instruction that
   * is not a return (so every path ends in one).
   */
  public static void verify(List<Insn> p) {
    if (p.isEmpty() || p.size() > MAX_INSNS) {
      throw new IllegalArgumentException("a seccomp program has 1 to " + MAX_INSNS + " instructions, this one "
          + p.size() + ": the profile has too many rules for one filter");
    }
    for (int i = 0; i < p.size(); i++) {
      Insn in = p.get(i);
      int rest = p.size() - i - 1; // instructions after this one
      switch (in.code()) {
        case LD_W_ABS -> {
          if (in.k() < 0 || in.k() > SECCOMP_DATA_SIZE - 4 || in.k() % 4 != 0) {
            throw bad(i, in, "loads outside seccomp_data");
          }
        }
        case ALU_AND_K, RET_K -> { }
        case JA -> {
          if (Integer.toUnsignedLong(in.k()) >= rest) {
            throw bad(i, in, "jumps past the end");
          }
        }
        case JEQ_K, JGT_K, JGE_K, JSET_K -> {
          if (in.jt() < 0 || in.jt() > 255 || in.jf() < 0 || in.jf() > 255 || in.jt() >= rest || in.jf() >= rest) {
            throw bad(i, in, "jumps out of range");
          }
        }
        default -> throw bad(i, in, "has an opcode a seccomp filter of poc's does not use");
      }
    }
    if (p.get(p.size() - 1).code() != RET_K) {
      throw new IllegalArgumentException("a seccomp program must end in a return, this one ends in "
          + p.get(p.size() - 1));
    }
  }

  private static IllegalArgumentException bad(int i, Insn in, String what) {
    return new IllegalArgumentException("instruction " + i + " " + in + " " + what);
  }

  /** The bytes of the struct sock_filter array, in the machine's (little-endian) order. */
  public byte[] bytes() {
    ByteBuffer b = ByteBuffer.allocate(instructions.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (Insn in : instructions) {
      b.putShort((short) in.code()).put((byte) in.jt()).put((byte) in.jf()).putInt(in.k());
    }
    return b.array();
  }

  /** {@link #bytes()} as lower-case hex: how the program travels in poc-init's plan. */
  public String hex() {
    return HexFormat.of().formatHex(bytes());
  }

  public static BpfProgram fromHex(String hex) {
    ByteBuffer b = ByteBuffer.wrap(HexFormat.of().parseHex(hex)).order(ByteOrder.LITTLE_ENDIAN);
    java.util.ArrayList<Insn> out = new java.util.ArrayList<>();
    while (b.remaining() >= 8) {
      out.add(new Insn(b.getShort() & 0xffff, b.get() & 0xff, b.get() & 0xff, b.getInt()));
    }
    return new BpfProgram(out);
  }
}
