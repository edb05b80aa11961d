package dev.poc.network;

import dev.poc.InvalidSpecException;

/**
 * An IPv4 subnet such as {@code 10.200.0.0/16}, seen as a row of /24 blocks ("slots"): slot N
 * starts at base + 256 N. poc gives each networked container one slot, which keeps the seed's
 * addresses ({@code 10.200.N.2}, {@code 10.100.N.2}).
 */
public final class Ipv4Subnet {
  private final int base;
  private final int prefix;

  private Ipv4Subnet(int base, int prefix) {
    this.base = base;
    this.prefix = prefix;
  }

  /** Parses {@code a.b.c.d/p}; {@code what} names the setting in the error. */
  public static Ipv4Subnet parse(String cidr, String what) {
    int slash = cidr.indexOf('/');
    if (slash < 0) {
      throw new InvalidSpecException(what + " '" + cidr + "' has no prefix length: write it like 10.200.0.0/16");
    }
    int prefix;
    try {
      prefix = Integer.parseInt(cidr.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw new InvalidSpecException(what + " '" + cidr + "' has no numeric prefix length: write it like 10.200.0.0/16");
    }
    if (prefix < 8 || prefix > 24) {
      throw new InvalidSpecException(what + " '" + cidr + "' has prefix /" + prefix
          + ": poc needs /8 to /24 (it hands out /24 blocks)");
    }
    int addr = parseAddress(cidr.substring(0, slash), what);
    if ((addr & ~mask(prefix)) != 0) {
      throw new InvalidSpecException(what + " '" + cidr + "' has host bits set: did you mean "
          + format(addr & mask(prefix)) + "/" + prefix + "?");
    }
    return new Ipv4Subnet(addr, prefix);
  }

  public static int parseAddress(String dotted, String what) {
    String[] parts = dotted.split("\\.", -1);
    if (parts.length != 4) {
      throw new InvalidSpecException(what + ": '" + dotted + "' is not an IPv4 address");
    }
    int addr = 0;
    for (String p : parts) {
      int octet;
      try {
        octet = Integer.parseInt(p);
      } catch (NumberFormatException e) {
        octet = -1;
      }
      if (octet < 0 || octet > 255 || p.isEmpty() || p.length() > 3) {
        throw new InvalidSpecException(what + ": '" + dotted + "' is not an IPv4 address");
      }
      addr = (addr << 8) | octet;
    }
    return addr;
  }

  static String format(int addr) {
    return (addr >>> 24) + "." + ((addr >>> 16) & 255) + "." + ((addr >>> 8) & 255) + "." + (addr & 255);
  }

  static int mask(int prefix) {
    return prefix == 0 ? 0 : -1 << (32 - prefix);
  }

  public int prefix() {
    return prefix;
  }

  public int base() {
    return base;
  }

  /** The number of /24 blocks. */
  public int slots() {
    return 1 << (24 - prefix);
  }

  /** Host {@code host} (0..255) of slot {@code slot}, dotted. */
  public String address(int slot, int host) {
    if (slot < 0 || slot >= slots() || host < 0 || host > 255) {
      throw new IllegalArgumentException("slot " + slot + " host " + host + " outside " + this);
    }
    return format(base + (slot << 8) + host);
  }

  /** Whether {@code addr/otherPrefix} and this subnet share any address. */
  public boolean overlaps(int addr, int otherPrefix) {
    int m = mask(Math.min(prefix, otherPrefix));
    return (addr & m) == (base & m);
  }

  public boolean overlaps(Ipv4Subnet other) {
    return overlaps(other.base, other.prefix);
  }

  /** Whether slot {@code slot} (a /24) shares any address with {@code addr/otherPrefix}. */
  public boolean slotOverlaps(int slot, int addr, int otherPrefix) {
    int m = mask(Math.min(24, otherPrefix));
    return (addr & m) == ((base + (slot << 8)) & m);
  }

  @Override
  public String toString() {
    return format(base) + "/" + prefix;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Ipv4Subnet s && s.base == base && s.prefix == prefix;
  }

  @Override
  public int hashCode() {
    return base * 31 + prefix;
  }
}
