package dev.poc.state;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The state store's file format: one JSON object per file, replaced atomically (a reader sees the
 * old or the new content, never a torn one, even when the machine stops mid-write).
 */
public final class JsonFiles {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private JsonFiles() {}

  /** Writes {@code value} to a temporary sibling, flushes it to disk and renames it over {@code file}. */
  public static void write(Path file, Map<String, ?> value) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ch.write(java.nio.ByteBuffer.wrap(JSON.writeValueAsBytes(value)));
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** The record {@code from} makes of the object in {@code file}, or empty when there is no file. */
  public static <T> Optional<T> read(Path file, java.util.function.Function<Map<String, Object>, T> from) throws IOException {
    Optional<Map<String, Object>> map = read(file);
    try {
      return map.map(from);
    } catch (RuntimeException e) {
      throw new IOException("state file " + file + " lacks a field or has one of the wrong type (" + e
          + "): remove it, or run prune to start over", e);
    }
  }

  /** The object in {@code file}, or empty when there is none; a torn or foreign file is an error. */
  @SuppressWarnings("unchecked")
  public static Optional<Map<String, Object>> read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readValue(file.toFile(), LinkedHashMap.class));
    } catch (IOException e) {
      throw new IOException("state file " + file + " is not valid JSON (" + e.getMessage()
          + "): remove it, or run prune to start over", e);
    }
  }
}
