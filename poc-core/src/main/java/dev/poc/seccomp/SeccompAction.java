package dev.poc.seccomp;

/**
 * What the kernel does with a matched call: the profile's {@code SCMP_ACT_*} names, with the errno
 * for {@link Kind#ERRNO}. TRACE and NOTIFY exist in the format but poc refuses them at parse time:
 * no tracer or notification listener stands behind a poc container, so the calls would fail.
 */
public record SeccompAction(Kind kind, int errno) {

  /** The actions, with their SECCOMP_RET_* base values. */
  public enum Kind {
    ALLOW(0x7fff0000),
    ERRNO(0x00050000),
    KILL_PROCESS(0x80000000),
    KILL_THREAD(0x00000000),
    TRAP(0x00030000),
    LOG(0x7ffc0000),
    TRACE(0x7ff00000),
    NOTIFY(0x7fc00000);

    final int ret;

    Kind(int ret) {
      this.ret = ret;
    }
  }

  public static final SeccompAction ALLOW = new SeccompAction(Kind.ALLOW, 0);
  public static final SeccompAction KILL_PROCESS = new SeccompAction(Kind.KILL_PROCESS, 0);

  public SeccompAction {
    if (errno < 0 || errno > 0xffff || (kind != Kind.ERRNO && errno != 0)) {
      throw new IllegalArgumentException("errno " + errno + " for " + kind);
    }
  }

  public static SeccompAction errno(int errno) {
    return new SeccompAction(Kind.ERRNO, errno);
  }

  /** The value a filter returns for it (SECCOMP_RET_*). */
  public int returnValue() {
    return kind.ret | errno;
  }

  /** The profile's spelling, e.g. {@code SCMP_ACT_ERRNO}. */
  public String scmpName() {
    return "SCMP_ACT_" + kind.name();
  }

  @Override
  public String toString() {
    return kind == Kind.ERRNO ? "ERRNO(" + errno + ")" : kind.name();
  }
}
