package dev.poc.junit;

import dev.poc.OutputFrame;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A container's output as lines, built from the frames of its log (see {@link OutputLines}): kept
 * for waits and logs(), and copied to the test's output with a prefix.
 */
final class LogBuffer implements Consumer<OutputFrame> {
  private final String prefix;
  private final List<String> lines = new ArrayList<>();
  private final OutputLines splitter = new OutputLines(this::line);

  /** {@code prefix} null: keep, do not forward. */
  LogBuffer(String prefix) {
    this.prefix = prefix;
  }

  @Override
  public synchronized void accept(OutputFrame frame) {
    splitter.accept(frame);
  }

  private void line(OutputFrame.Type type, String line) {
    lines.add(line);
    if (prefix != null) {
      (type == OutputFrame.Type.STDOUT ? System.out : System.err).println(prefix + line);
    }
  }

  /** The log has ended: a last line without its newline counts too. */
  synchronized void finish() {
    splitter.finish();
  }

  synchronized List<String> lines() {
    return new ArrayList<>(lines);
  }

  /** Frames cut into lines per stream (a frame may end within a line): the base of line consumers. */
  static final class OutputLines implements Consumer<OutputFrame> {
    interface LineSink {
      void line(OutputFrame.Type type, String line);
    }

    private final LineSink sink;
    private final Map<OutputFrame.Type, ByteArrayOutputStream> partial = new EnumMap<>(OutputFrame.Type.class);

    OutputLines(LineSink sink) {
      this.sink = sink;
    }

    @Override
    public synchronized void accept(OutputFrame frame) {
      ByteArrayOutputStream buf = partial.computeIfAbsent(frame.type(), t -> new ByteArrayOutputStream());
      byte[] bytes = frame.bytes();
      int start = 0;
      for (int i = 0; i < bytes.length; i++) {
        if (bytes[i] == '\n') {
          buf.write(bytes, start, i - start);
          sink.line(frame.type(), buf.toString(StandardCharsets.UTF_8));
          buf.reset();
          start = i + 1;
        }
      }
      buf.write(bytes, start, bytes.length - start);
    }

    synchronized void finish() {
      partial.forEach((type, buf) -> {
        if (buf.size() > 0) {
          sink.line(type, buf.toString(StandardCharsets.UTF_8));
          buf.reset();
        }
      });
    }
  }
}
