package dev.poc;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Linux capabilities, numbered as in {@code <linux/capability.h>}. A container keeps
 * {@link #dockerDefaults()} unless its spec adds or drops some; the set also decides which calls
 * the seccomp profile opens (Docker's {@code includes.caps}).
 */
public enum Capability {
  CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER, FSETID, KILL, SETGID, SETUID, SETPCAP, LINUX_IMMUTABLE,
  NET_BIND_SERVICE, NET_BROADCAST, NET_ADMIN, NET_RAW, IPC_LOCK, IPC_OWNER, SYS_MODULE, SYS_RAWIO, SYS_CHROOT,
  SYS_PTRACE, SYS_PACCT, SYS_ADMIN, SYS_BOOT, SYS_NICE, SYS_RESOURCE, SYS_TIME, SYS_TTY_CONFIG, MKNOD, LEASE,
  AUDIT_WRITE, AUDIT_CONTROL, SETFCAP, MAC_OVERRIDE, MAC_ADMIN, SYSLOG, WAKE_ALARM, BLOCK_SUSPEND, AUDIT_READ,
  PERFMON, BPF, CHECKPOINT_RESTORE;

  private static final Set<Capability> DOCKER_DEFAULTS = Collections.unmodifiableSet(EnumSet.of(CHOWN, DAC_OVERRIDE,
      FOWNER, FSETID, KILL, SETGID, SETUID, SETPCAP, NET_BIND_SERVICE, NET_RAW, SYS_CHROOT, MKNOD, AUDIT_WRITE,
      SETFCAP));

  /** The 14 capabilities Docker (and poc) give a container unless told otherwise. */
  public static Set<Capability> dockerDefaults() {
    return DOCKER_DEFAULTS;
  }

  /** The kernel's number for it (CAP_CHOWN is 0). */
  public int number() {
    return ordinal();
  }

  /** The kernel's name, e.g. {@code CAP_SYS_ADMIN}. */
  public String capName() {
    return "CAP_" + name();
  }

  /**
   * Parses {@code SYS_ADMIN}, {@code CAP_SYS_ADMIN} or {@code sys_admin}.
   *
   * @throws InvalidSpecException naming the text when it is no capability
   */
  public static Capability parse(String text) {
    String n = text.trim().toUpperCase(Locale.ROOT);
    if (n.startsWith("CAP_")) {
      n = n.substring(4);
    }
    try {
      return valueOf(n);
    } catch (IllegalArgumentException e) {
      throw new InvalidSpecException("'" + text + "' is not a Linux capability: write it like SYS_ADMIN or CAP_NET_ADMIN");
    }
  }

  /** The bit mask poc-init applies (bit n for capability n). */
  public static long mask(Set<Capability> caps) {
    long m = 0;
    for (Capability c : caps) {
      m |= 1L << c.number();
    }
    return m;
  }
}
