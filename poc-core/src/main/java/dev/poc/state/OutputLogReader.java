package dev.poc.state;

import dev.poc.ExitStatus;
import dev.poc.OutputFrame;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Reads an {@link OutputLog}'s records in order across its rotation: first the rotated part,
 * then the current file; when the writer rotates under it, it reads the old file to its end and
 * goes on in the new one. A record the writer has not finished yet is left for the next poll.
 */
final class OutputLogReader implements AutoCloseable {
  private static final int HEADER = 16;
  private static final int TYPE_END = 3;

  private final OutputLog log;
  private long since;
  private FileChannel channel;
  private Object channelKey;
  private boolean onRotated;
  private long position;
  private Optional<ExitStatus> exit = Optional.empty();
  private final ByteBuffer header = ByteBuffer.allocate(HEADER);

  OutputLogReader(OutputLog log, long since) throws IOException {
    this.log = log;
    this.since = since;
    if (Files.exists(log.rotated())) {
      onRotated = open(log.rotated());
    }
    if (channel == null && !open(log.file())) {
      throw new NoSuchFileException(log.file().toString(), null, "no log: the container was not started with Stdio.LOG,"
          + " or it has been removed");
    }
  }

  private boolean open(Path file) throws IOException {
    try {
      FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
      if (channel != null) {
        channel.close();
      }
      channel = ch;
      channelKey = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
      position = 0;
      return true;
    } catch (NoSuchFileException e) {
      return false;
    }
  }

  long nextOffset() {
    return since;
  }

  Optional<ExitStatus> exit() {
    return exit;
  }

  /** Hands over every complete record there is now; false once the end record was read. */
  boolean poll(Consumer<OutputFrame> sink) throws IOException {
    while (exit.isEmpty()) {
      if (readRecord(sink)) {
        continue;
      }
      if (onRotated) { // the rotated part is complete: on to the current file
        onRotated = false;
        if (!open(log.file())) {
          return true;
        }
        continue;
      }
      Object now = currentKey();
      if (now == null || now.equals(channelKey)) {
        return true; // nothing more yet
      }
      // Rotated under us: the old file was complete before the new one began.
      while (exit.isEmpty() && readRecord(sink)) {}
      if (!open(log.file())) {
        return true;
      }
    }
    return false;
  }

  /** Polls until the end record, or until {@code ended} and nothing more comes; the exit, if said. */
  Optional<ExitStatus> follow(Consumer<OutputFrame> sink, BooleanSupplier ended, BooleanSupplier cancelled)
      throws IOException, InterruptedException {
    long pause = 1;
    while (!cancelled.getAsBoolean()) {
      long before = since;
      if (!poll(sink)) {
        return exit;
      }
      if (ended.getAsBoolean()) {
        poll(sink); // what the writer wrote before it went
        return exit;
      }
      pause = since != before ? 1 : Math.min(pause * 2, 50);
      Thread.sleep(pause);
    }
    return exit;
  }

  private Object currentKey() {
    try {
      return Files.readAttributes(log.file(), BasicFileAttributes.class).fileKey();
    } catch (IOException e) {
      return null;
    }
  }

  /** One complete record at the position, if there is one. */
  private boolean readRecord(Consumer<OutputFrame> sink) throws IOException {
    header.clear();
    if (channel.size() - position < HEADER) {
      return false;
    }
    readFully(header, position);
    header.flip();
    int type = header.get(0);
    int length = header.getInt(4);
    long offset = header.getLong(8);
    if (length < 0 || channel.size() - position - HEADER < length) {
      return false;
    }
    ByteBuffer payload = ByteBuffer.allocate(length);
    readFully(payload, position + HEADER);
    position += HEADER + length;
    byte[] bytes = payload.array();
    if (type == TYPE_END) {
      exit = Optional.of(parseExit(new String(bytes, StandardCharsets.US_ASCII)));
      return true;
    }
    if (type != 1 && type != 2) {
      return true; // a record this reader does not know: skip it
    }
    long end = offset + length;
    if (end <= since) {
      return true;
    }
    int skip = (int) Math.max(0, since - offset);
    if (skip > 0) {
      bytes = java.util.Arrays.copyOfRange(bytes, skip, bytes.length);
    }
    since = end;
    sink.accept(new OutputFrame(type == 1 ? OutputFrame.Type.STDOUT : OutputFrame.Type.STDERR, bytes, offset + skip));
    return true;
  }

  private void readFully(ByteBuffer buf, long at) throws IOException {
    long p = at;
    while (buf.hasRemaining()) {
      int n = channel.read(buf, p);
      if (n < 0) {
        throw new IOException("log " + log.file() + " ended inside a record");
      }
      p += n;
    }
  }

  /** "code N" or "signal N", as poc-init's end record has it. */
  static ExitStatus parseExit(String text) {
    String[] f = text.trim().split(" ");
    int n = Integer.parseInt(f[1]);
    return f[0].equals("signal") ? ExitStatus.signaled(n) : ExitStatus.exited(n);
  }

  @Override
  public void close() throws IOException {
    if (channel != null) {
      channel.close();
    }
  }
}
