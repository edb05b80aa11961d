package dev.poc.image;

import dev.poc.InvalidSpecException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** A content digest, {@code sha256:<64 hex>}: the only algorithm registries use for blobs today. */
public record Digest(String hex) {
  private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-f]{64}");

  /** Parses {@code sha256:<64 lower-case hex>}; anything else is refused with the text in the message. */
  public static Digest parse(String text) {
    if (text == null || !SHA256.matcher(text).matches()) {
      throw new InvalidSpecException("digest '" + text + "' is not valid: write it as sha256: and 64 lower-case hex digits");
    }
    return new Digest(text.substring(7));
  }

  /** The digest of {@code bytes}. */
  public static Digest of(byte[] bytes) {
    MessageDigest md = sha256();
    return new Digest(HexFormat.of().formatHex(md.digest(bytes)));
  }

  static Digest of(MessageDigest md) {
    return new Digest(HexFormat.of().formatHex(md.digest()));
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  /** The first 12 hex digits, as image tools show them. */
  public String shortHex() {
    return hex.substring(0, 12);
  }

  @Override
  public String toString() {
    return "sha256:" + hex;
  }
}
