package dev.poc.seccomp.bpf;

import dev.poc.seccomp.SeccompAction;
import dev.poc.seccomp.SeccompProfile;
import dev.poc.seccomp.SeccompProfile.ArgCondition;
import dev.poc.seccomp.SeccompProfile.Rule;
import dev.poc.seccomp.bpf.BpfAssembler.Label;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * Compiles a resolved {@link SeccompProfile} to classic BPF.
 *
 * <p>Shape: check seccomp_data.arch against each admitted ABI (any other: kill the process, as
 * libseccomp does); on x86-64, numbers with {@link Arch#X32_SYSCALL_BIT} go to the x32 tree, or
 * are killed when x32 is not admitted. Each ABI's tree is a binary search on the syscall number
 * over the number line cut into runs that share one action, so a call costs about log2(runs)
 * comparisons whatever the length of the profile. A run is either a span of calls with one plain
 * action (the default, or a rule without arguments) or a single call whose rules compare
 * arguments: those rules are tried in profile order, each an AND of 64-bit comparisons (high half,
 * then low half; the low half alone on 32-bit ABIs, as libseccomp does), and the first that holds
 * gives its action; otherwise the call's argument-free rule, or the default.
 *
 * <p>Calls numbered above the highest call the profile names answer ENOSYS when the default
 * action refuses: see {@link #answersNewCallsWithEnosys}.
 *
 * <p>Names a profile lists that have no number on an ABI are skipped for that ABI (libseccomp does
 * the same); the parser has already refused names that are a call on no architecture at all.
 */
public final class SeccompCompiler {
  private SeccompCompiler() {}

  /** The calls of one ABI that some rule names. */
  private static final class Entry {
    final List<Rule> conditional = new ArrayList<>();
    SeccompAction plain; // the first argument-free rule's action, or null
  }

  /** A run of the number line: a plain action from {@code start} on, or the one call {@code start}. */
  record Run(long start, SeccompAction plain, Entry entry) {}

  public static BpfProgram compile(SeccompProfile profile, Arch nativeArch) {
    if (!profile.isResolved()) {
      throw new IllegalArgumentException("resolve the profile's includes/excludes before compiling it");
    }
    List<Arch> admitted = admitted(profile, nativeArch);
    BpfAssembler asm = new BpfAssembler();
    Label badArch = new Label();
    Map<Integer, Label> byAudit = new LinkedHashMap<>();
    for (Arch a : admitted) {
      byAudit.putIfAbsent(a.auditArch(), new Label());
    }
    asm.load(4);
    for (Map.Entry<Integer, Label> e : byAudit.entrySet()) {
      Label next = new Label();
      asm.jump(BpfProgram.JEQ_K, e.getKey(), e.getValue(), next).place(next);
    }
    asm.place(badArch).ret(SeccompAction.KILL_PROCESS.returnValue());
    for (Map.Entry<Integer, Label> e : byAudit.entrySet()) {
      asm.place(e.getValue()).load(0);
      if (e.getKey() == Arch.X86_64.auditArch()) {
        Label wide = new Label();
        Label x32 = new Label();
        asm.jump(BpfProgram.JGE_K, Arch.X32_SYSCALL_BIT, x32, wide);
        asm.place(wide);
        tree(asm, profile, Arch.X86_64, admitted.contains(Arch.X86_64));
        asm.place(x32);
        tree(asm, profile, Arch.X32, admitted.contains(Arch.X32));
      } else {
        Arch a = admitted.stream().filter(x -> x.auditArch() == e.getKey()).findFirst().orElseThrow();
        tree(asm, profile, a, true);
      }
    }
    return asm.assemble();
  }

  /** The profile's architectures this machine can run, in its family's order; none listed: the native one. */
  static List<Arch> admitted(SeccompProfile profile, Arch nativeArch) {
    List<Arch> out = new ArrayList<>();
    for (Arch a : nativeArch.family()) {
      if (profile.architectures().contains(a.scmpName())) {
        out.add(a);
      }
    }
    if (out.isEmpty()) {
      out.add(nativeArch);
    }
    return out;
  }

  private static void tree(BpfAssembler asm, SeccompProfile profile, Arch arch, boolean admitted) {
    if (!admitted) {
      asm.ret(SeccompAction.KILL_PROCESS.returnValue()); // e.g. x32 calls when only x86-64 is listed
      return;
    }
    List<Run> runs = runs(profile, arch);
    emit(asm, runs, 0, runs.size() - 1, arch, profile.defaultAction());
  }

  /** The number line of one ABI cut into runs, adjacent runs with one plain action merged. */
  static List<Run> runs(SeccompProfile profile, Arch arch) {
    TreeMap<Long, Entry> entries = new TreeMap<>();
    SyscallTable table = SyscallTable.get();
    for (Rule r : profile.syscalls()) {
      for (String name : r.names()) {
        OptionalInt nr = table.number(name, arch);
        if (nr.isEmpty()) {
          continue;
        }
        Entry e = entries.computeIfAbsent(Integer.toUnsignedLong(nr.getAsInt()), k -> new Entry());
        if (r.args().isEmpty()) {
          if (e.plain == null) {
            e.plain = r.action();
          }
        } else {
          e.conditional.add(r);
        }
      }
    }
    SeccompAction dflt = profile.defaultAction();
    List<Run> runs = new ArrayList<>();
    add(runs, new Run(0, dflt, null));
    for (Map.Entry<Long, Entry> e : entries.entrySet()) {
      long nr = e.getKey();
      Entry en = e.getValue();
      if (en.conditional.isEmpty()) {
        add(runs, new Run(nr, en.plain != null ? en.plain : dflt, null));
      } else {
        add(runs, new Run(nr, null, en));
      }
      if (!entries.containsKey(nr + 1)) {
        add(runs, new Run(nr + 1, dflt, null));
      }
    }
    if (!entries.isEmpty() && answersNewCallsWithEnosys(dflt)) {
      add(runs, new Run(entries.lastKey() + 1, SeccompAction.errno(ENOSYS), null));
    }
    return runs;
  }

  /**
   * Whether calls numbered above every call the profile names answer ENOSYS rather than the
   * default: a call newer than the profile then looks absent, so libc falls back to the older call
   * it replaces (as runc does for the same reason) instead of failing with EPERM. Not for a
   * permissive default, which must stay permissive.
   */
  private static boolean answersNewCallsWithEnosys(SeccompAction dflt) {
    return dflt.kind() != SeccompAction.Kind.ALLOW && dflt.kind() != SeccompAction.Kind.LOG
        && !dflt.equals(SeccompAction.errno(ENOSYS));
  }

  private static final int ENOSYS = 38;

  private static void add(List<Run> runs, Run r) {
    if (!runs.isEmpty()) {
      Run last = runs.get(runs.size() - 1);
      if (last.start() == r.start()) {
        runs.set(runs.size() - 1, r);
        return;
      }
      if (last.plain() != null && last.plain().equals(r.plain())) {
        return; // the same action goes on
      }
    }
    runs.add(r);
  }

  /** A balanced search over runs[lo..hi]: JGE on the middle run's start, each half below. */
  private static void emit(BpfAssembler asm, List<Run> runs, int lo, int hi, Arch arch, SeccompAction dflt) {
    if (lo == hi) {
      Run r = runs.get(lo);
      if (r.plain() != null) {
        asm.ret(r.plain().returnValue());
      } else {
        argumentRules(asm, r.entry(), arch, dflt);
      }
      return;
    }
    int mid = (lo + hi + 1) / 2;
    Label left = new Label();
    Label right = new Label();
    asm.jump(BpfProgram.JGE_K, (int) runs.get(mid).start(), right, left);
    asm.place(left);
    emit(asm, runs, lo, mid - 1, arch, dflt);
    asm.place(right);
    emit(asm, runs, mid, hi, arch, dflt);
  }

  private static void argumentRules(BpfAssembler asm, Entry e, Arch arch, SeccompAction dflt) {
    for (Rule r : e.conditional) {
      Label next = new Label();
      for (ArgCondition c : r.args()) {
        condition(asm, c, arch.wideArgs(), next);
      }
      asm.ret(r.action().returnValue());
      asm.place(next);
    }
    asm.ret((e.plain != null ? e.plain : dflt).returnValue());
  }

  /** Falls through when the condition holds, jumps to {@code fail} when not. */
  static void condition(BpfAssembler asm, ArgCondition c, boolean wide, Label fail) {
    int lo = 16 + 8 * c.index();
    int hi = lo + 4; // little-endian: the high half follows
    int vLo = (int) c.value();
    int vHi = (int) (c.value() >>> 32);
    Label pass = new Label();
    Label low = new Label();
    switch (c.op()) {
      case EQ -> {
        if (wide) {
          asm.load(hi).jump(BpfProgram.JEQ_K, vHi, low, fail).place(low);
        }
        asm.load(lo).jump(BpfProgram.JEQ_K, vLo, pass, fail);
      }
      case NE -> {
        if (wide) {
          asm.load(hi).jump(BpfProgram.JEQ_K, vHi, low, pass).place(low);
        }
        asm.load(lo).jump(BpfProgram.JEQ_K, vLo, fail, pass);
      }
      case GT, GE -> {
        if (wide) {
          Label equal = new Label();
          asm.load(hi).jump(BpfProgram.JGT_K, vHi, pass, equal).place(equal);
          asm.jump(BpfProgram.JEQ_K, vHi, low, fail).place(low);
        }
        asm.load(lo).jump(c.op() == SeccompProfile.Op.GT ? BpfProgram.JGT_K : BpfProgram.JGE_K, vLo, pass, fail);
      }
      case LT, LE -> {
        if (wide) {
          Label notAbove = new Label();
          asm.load(hi).jump(BpfProgram.JGT_K, vHi, fail, notAbove).place(notAbove);
          asm.jump(BpfProgram.JEQ_K, vHi, low, pass).place(low);
        }
        // below: not (>= v) for LT, not (> v) for LE
        asm.load(lo).jump(c.op() == SeccompProfile.Op.LT ? BpfProgram.JGE_K : BpfProgram.JGT_K, vLo, fail, pass);
      }
      case MASKED_EQ -> {
        int dLo = (int) c.valueTwo();
        int dHi = (int) (c.valueTwo() >>> 32);
        if (wide) {
          asm.load(hi).and(vHi).jump(BpfProgram.JEQ_K, dHi, low, fail).place(low);
        }
        asm.load(lo).and(vLo).jump(BpfProgram.JEQ_K, dLo, pass, fail);
      }
      default -> throw new IllegalStateException(c.op().toString());
    }
    asm.place(pass);
  }
}
