package dev.poc.network;

import dev.poc.namespace.NetnsNames;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The host-visible names of a container's network objects, as the seed named them:
 * {@code veth0_NAME} (host end), {@code vpeer1_NAME} (container end), {@code netns_NAME}.
 *
 * <p>Linux interface names hold at most 15 characters, so {@code veth0_NAME} fits names of up to
 * 9 characters and {@code vpeer1_NAME} names of up to 8. A longer name gets the short form
 * {@code veth0-HHHHHHHHH} / {@code vpeer1-HHHHHHHH}: a dash where the full form has an
 * underscore, then the first characters of the base32 SHA-256 of the container name. The dash
 * keeps a short form from ever equalling another name's full form (full forms have {@code _} in
 * that place); 45 bits of hash keep two long names apart. The netns name has no such limit.
 */
public final class InterfaceNames {
  static final int IFNAMSIZ = 15;
  private static final String HOST = "veth0";
  private static final String PEER = "vpeer1";
  private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

  private InterfaceNames() {}

  /** The host end of the veth pair: {@code veth0_NAME} or {@code veth0-HASH}. */
  public static String hostVeth(String name) {
    return fit(HOST, name);
  }

  /** The container end of the veth pair: {@code vpeer1_NAME} or {@code vpeer1-HASH}. */
  public static String peerVeth(String name) {
    return fit(PEER, name);
  }

  /** The name under /run/netns, for {@code ip netns exec}. */
  public static String netns(String name) {
    return NetnsNames.of(name);
  }

  private static String fit(String prefix, String name) {
    String full = prefix + "_" + name;
    if (full.length() <= IFNAMSIZ) {
      return full;
    }
    return prefix + "-" + hash(name, IFNAMSIZ - prefix.length() - 1);
  }

  private static String hash(String name, int chars) {
    byte[] digest;
    try {
      digest = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
    StringBuilder sb = new StringBuilder(chars);
    long bits = 0;
    int have = 0;
    int i = 0;
    while (sb.length() < chars) {
      if (have < 5) {
        bits = (bits << 8) | (digest[i++] & 0xff);
        have += 8;
      }
      sb.append(BASE32[(int) (bits >>> (have - 5)) & 31]);
      have -= 5;
    }
    return sb.toString();
  }
}
