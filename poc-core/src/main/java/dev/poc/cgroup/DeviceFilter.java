package dev.poc.cgroup;

import dev.poc.host.Errno;
import dev.poc.host.LibC;
import dev.poc.host.Syscalls;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * The device allow-list on cgroup v2, which has no devices controller: a BPF_PROG_TYPE_CGROUP_DEVICE
 * program attached to the container's group, as runc and crun do. Without it a container's root
 * (which keeps CAP_MKNOD) could make a node for a host disk in /dev and open it. The program
 * allows exactly the rules of {@link CgroupV1#DEVICE_ALLOW} and denies everything else; it lives
 * as long as the group. An OCI config's rules come first ({@link #rules}); each block returns
 * allow or deny for what it matches, the first match deciding.
 */
final class DeviceFilter {
  private static final int BPF_PROG_LOAD = 5;
  private static final int BPF_PROG_ATTACH = 8;
  private static final int BPF_PROG_TYPE_CGROUP_DEVICE = 15;
  private static final int BPF_CGROUP_DEVICE = 6;
  private static final int BPF_F_ALLOW_MULTI = 2;
  private static final int DEV_BLOCK = 1;
  private static final int DEV_CHAR = 2;
  private static final int ACC_MKNOD = 1;
  private static final int ACC_READ = 2;
  private static final int ACC_WRITE = 4;
  private static final int O_RDONLY_DIRECTORY_CLOEXEC = 0200000 | 02000000;

  private static final java.util.Map<List<String>, Object> LOADED = new java.util.concurrent.ConcurrentHashMap<>();

  private DeviceFilter() {}

  /**
   * The rules for {@link #program}, first match deciding: poc's own nodes, then {@code devices} from
   * the last to the first (OCI's rules apply in order, so a later one overrides an earlier one), a
   * deny written {@code !c 1:3 rwm}; what none matches is denied.
   */
  static List<String> rules(java.util.Optional<List<GroupTuning.DeviceRule>> devices) {
    if (devices.isEmpty() || devices.get().isEmpty()) {
      return CgroupV1.DEVICE_ALLOW;
    }
    List<String> rules = new ArrayList<>(CgroupV1.DEVICE_ALLOW);
    List<GroupTuning.DeviceRule> given = devices.get();
    for (int i = given.size() - 1; i >= 0; i--) {
      GroupTuning.DeviceRule r = given.get(i);
      rules.add((r.allow() ? "" : "!") + r.v1());
    }
    return rules;
  }

  /** Attaches the allow-list of {@code rules} ("c 1:3 rwm", "c 136:* rwm") to the group {@code dir}. */
  static void attach(Path dir, List<String> rules) throws IOException {
    int prog = loaded(rules);
    jnr.ffi.Runtime rt = LibC.runtime();
    int group = LibC.get().open(dir.toString(), O_RDONLY_DIRECTORY_CLOEXEC);
    if (group < 0) {
      throw new IOException("opening " + dir + ": " + Errno.describe(Errno.last()));
    }
    try {
      Pointer attach = Memory.allocateDirect(rt, 20, true);
      attach.putInt(0, group);
      attach.putInt(4, prog);
      attach.putInt(8, BPF_CGROUP_DEVICE);
      attach.putInt(12, BPF_F_ALLOW_MULTI);
      long r = Syscalls.bpf(BPF_PROG_ATTACH, attach, 20);
      if (r < 0) {
        throw new IOException("attaching the device filter to " + dir + " (BPF_PROG_ATTACH): " + Errno.describe((int) -r));
      }
    } finally {
      LibC.get().close(group);
    }
  }

  /**
   * The loaded program for {@code rules}: loaded (and verified by the kernel) once per JVM, whose
   * descriptor keeps it; each attachment holds it too. A refusal is kept as well, not retried.
   */
  private static int loaded(List<String> rules) throws IOException {
    Object p = LOADED.computeIfAbsent(List.copyOf(rules), r -> {
      try {
        return load(r);
      } catch (IOException e) {
        return e;
      }
    });
    if (p instanceof IOException e) {
      throw new IOException(e.getMessage(), e);
    }
    return (Integer) p;
  }

  private static int load(List<String> rules) throws IOException {
    byte[] insns = program(rules);
    jnr.ffi.Runtime rt = LibC.runtime();
    Pointer code = Memory.allocateDirect(rt, insns.length, true);
    code.put(0, insns, 0, insns.length);
    Pointer license = Memory.allocateDirect(rt, 4, true);
    license.putString(0, "GPL", 4, StandardCharsets.US_ASCII);
    Pointer load = Memory.allocateDirect(rt, 72, true);
    load.putInt(0, BPF_PROG_TYPE_CGROUP_DEVICE);
    load.putInt(4, insns.length / 8);
    load.putLong(8, code.address());
    load.putLong(16, license.address());
    load.putString(48, "poc_devices", 15, StandardCharsets.US_ASCII);
    int prog = (int) Syscalls.bpf(BPF_PROG_LOAD, load, 72);
    if (prog < 0) {
      throw new IOException("loading the device filter (BPF_PROG_LOAD): " + Errno.describe(-prog));
    }
    return prog;
  }

  /**
   * The program, in eBPF instructions (8 bytes each, little-endian fields). r1 points at
   * {@code struct bpf_cgroup_dev_ctx {u32 access_type; u32 major; u32 minor}}, where access_type
   * is {@code access << 16 | type}. One block per rule returns 1 (allow) when type, major, minor
   * and access all fit; falling through every block returns 0 (deny).
   */
  static byte[] program(List<String> rules) {
    List<long[]> p = new ArrayList<>();
    p.add(ldxw(2, 1, 0));      // r2 = access_type
    p.add(ldxw(3, 1, 0));      // r3 = access_type
    p.add(alu(0x77, 3, 16));   // r3 >>= 16: the access bits
    p.add(alu(0x57, 2, 0xffff)); // r2 &= 0xffff: the device type
    p.add(ldxw(4, 1, 4));      // r4 = major
    p.add(ldxw(5, 1, 8));      // r5 = minor
    for (String rule : rules) {
      p.addAll(block(rule));
    }
    p.add(alu(0xb7, 0, 0));    // r0 = 0: deny
    p.add(exit());
    ByteBuffer b = ByteBuffer.allocate(p.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (long[] i : p) {
      b.put((byte) i[0]).put((byte) i[1]).putShort((short) i[2]).putInt((int) i[3]);
    }
    return b.array();
  }

  /** One rule's checks, each jumping past the block when it fails, then "return 1". */
  private static List<long[]> block(String rule) {
    boolean deny = rule.startsWith("!");
    String[] f = rule.substring(deny ? 1 : 0).trim().split("[ :]");
    if (f.length != 4 || !(f[0].equals("c") || f[0].equals("b") || f[0].equals("a"))) {
      throw new IllegalArgumentException("device rule '" + rule + "' is not '[!]a|c|b MAJOR:MINOR ACCESS'");
    }
    int access = (f[3].contains("r") ? ACC_READ : 0) | (f[3].contains("w") ? ACC_WRITE : 0)
        | (f[3].contains("m") ? ACC_MKNOD : 0);
    List<long[]> checks = new ArrayList<>();
    if (!f[0].equals("a")) {
      checks.add(jne(2, f[0].equals("c") ? DEV_CHAR : DEV_BLOCK));
    }
    if (!f[1].equals("*")) {
      checks.add(jne(4, Integer.parseInt(f[1])));
    }
    if (!f[2].equals("*")) {
      checks.add(jne(5, Integer.parseInt(f[2])));
    }
    List<long[]> block = new ArrayList<>();
    int fullAccess = ACC_READ | ACC_WRITE | ACC_MKNOD;
    int len = checks.size() + (access == fullAccess ? 0 : 3) + 2;
    for (long[] c : checks) {
      c[2] = len - 1 - block.size(); // to the first instruction after the block
      block.add(c);
    }
    if (access != fullAccess) {
      block.add(new long[] {0xbf, 6 | (3 << 4), 0, 0}); // r6 = r3
      long[] j;
      if (deny) {
        block.add(alu(0x57, 6, access));                 // r6 &= what the rule denies
        j = new long[] {0x15, 6, 0, 0};                  // none of it asked for: not this rule's
      } else {
        block.add(alu(0x57, 6, fullAccess & ~access));   // r6 &= what the rule does not allow
        j = jne(6, 0);                                   // some of that asked for: not this rule's
      }
      j[2] = len - 1 - block.size();
      block.add(j);
    }
    block.add(alu(0xb7, 0, deny ? 0 : 1)); // r0 = 1: allow (0: a deny rule's match)
    block.add(exit());
    return block;
  }

  private static long[] ldxw(int dst, int src, int off) {
    return new long[] {0x61, dst | (src << 4), off, 0};
  }

  private static long[] alu(int code, int dst, int imm) {
    return new long[] {code, dst, 0, imm};
  }

  /** if (dst != imm) goto +off; the offset is set once the block's length is known. */
  private static long[] jne(int dst, int imm) {
    return new long[] {0x55, dst, 0, imm};
  }

  private static long[] exit() {
    return new long[] {0x95, 0, 0, 0};
  }
}
