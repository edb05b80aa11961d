package dev.poc;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * What a container's log held when it was read: the frames (from an offset on), where to go on
 * from, and how the container ended when it has. Complete once {@link #exit()} is present.
 */
public final class LogSnapshot {
  private final List<OutputFrame> frames;
  private final long nextOffset;
  private final Optional<ExitStatus> exit;

  public LogSnapshot(List<OutputFrame> frames, long nextOffset, Optional<ExitStatus> exit) {
    this.frames = List.copyOf(frames);
    this.nextOffset = nextOffset;
    this.exit = exit;
  }

  /** The frames, in the order they were written. */
  public List<OutputFrame> frames() {
    return frames;
  }

  /** The offset to read on from with {@link Container#logs(long)}. */
  public long nextOffset() {
    return nextOffset;
  }

  /** How the container ended, once the log is complete; empty while it may still grow. */
  public Optional<ExitStatus> exit() {
    return exit;
  }

  /** stdout and stderr interleaved as written, as UTF-8 text. */
  public String text() {
    return text(null);
  }

  /** One stream's bytes, as UTF-8 text. */
  public String text(OutputFrame.Type type) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (OutputFrame f : frames) {
      if (type == null || f.type() == type) {
        out.writeBytes(f.bytes());
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
