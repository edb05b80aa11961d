package dev.poc;

import java.nio.charset.StandardCharsets;

/**
 * A piece of a container's output as poc-init read it from the command: which stream, the bytes,
 * and where they start in everything the container has written (stdout and stderr together), so
 * that {@link Container#logs(long)} can go on from the end of the last piece.
 */
public final class OutputFrame {
  /** The stream a frame came from. */
  public enum Type {
    STDOUT,
    STDERR
  }

  private final Type type;
  private final byte[] bytes;
  private final long offset;

  public OutputFrame(Type type, byte[] bytes, long offset) {
    this.type = type;
    this.bytes = bytes.clone();
    this.offset = offset;
  }

  /** Which stream. */
  public Type type() {
    return type;
  }

  /** The bytes as written (a frame may end within a line or a UTF-8 character). */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** The bytes as UTF-8 text. */
  public String utf8String() {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** Where the frame's first byte is in all output the container has written. */
  public long offset() {
    return offset;
  }

  /** The offset just past this frame: give it to {@link Container#logs(long)} to go on from here. */
  public long end() {
    return offset + bytes.length;
  }

  int length() {
    return bytes.length;
  }

  @Override
  public String toString() {
    return type + "@" + offset + ": " + utf8String();
  }
}
