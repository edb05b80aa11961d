package dev.poc.state;

import dev.poc.OutputFrame;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.function.BooleanSupplier;

/**
 * One stream of a container's log as an {@link InputStream} that follows it: a read waits for
 * more output, and end-of-stream comes once the container has ended and everything is read.
 */
public final class OutputLogStream extends InputStream {
  private final OutputLogReader reader;
  private final OutputFrame.Type type;
  private final BooleanSupplier ended;
  private final ArrayDeque<byte[]> pending = new ArrayDeque<>();
  private byte[] current = new byte[0];
  private int pos;
  private boolean atEnd;

  public OutputLogStream(OutputLog log, OutputFrame.Type type, BooleanSupplier ended) throws IOException {
    this.reader = new OutputLogReader(log, 0);
    this.type = type;
    this.ended = ended;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (!fill()) {
      return -1;
    }
    int n = Math.min(len, current.length - pos);
    System.arraycopy(current, pos, b, off, n);
    pos += n;
    return n;
  }

  @Override
  public int available() {
    return current.length - pos;
  }

  /** Makes {@code current} hold unread bytes; false at the end. */
  private boolean fill() throws IOException {
    long pause = 1;
    while (pos >= current.length) {
      if (!pending.isEmpty()) {
        current = pending.poll();
        pos = 0;
        continue;
      }
      if (atEnd) {
        return false;
      }
      boolean more = reader.poll(this::take);
      if (!more) {
        atEnd = true;
      } else if (pending.isEmpty() && ended.getAsBoolean()) {
        reader.poll(this::take);
        atEnd = true;
      } else if (pending.isEmpty()) {
        try {
          Thread.sleep(pause);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted while waiting for the container's output");
        }
        pause = Math.min(pause * 2, 50);
      } else {
        pause = 1;
      }
    }
    return true;
  }

  private void take(OutputFrame f) {
    if (f.type() == type) {
      pending.add(f.bytes());
    }
  }

  @Override
  public void close() throws IOException {
    reader.close();
  }
}
