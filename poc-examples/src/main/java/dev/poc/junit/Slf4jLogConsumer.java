package dev.poc.junit;

import dev.poc.OutputFrame;
import java.util.function.Consumer;
import org.slf4j.Logger;

/**
 * Passes a container's output to an SLF4J logger, one line per event: stdout at INFO, stderr at
 * WARN, each with a {@code [name]}-style prefix of your choice. Testcontainers' Slf4jLogConsumer:
 * {@code new PocContainer(...).withLogConsumer(new Slf4jLogConsumer(log, "web"))}. The binding
 * (logback, log4j, ...) is your project's; poc brings none.
 */
public final class Slf4jLogConsumer implements Consumer<OutputFrame> {
  private final LogBuffer.OutputLines lines;

  /** Lines go to {@code logger}, prefixed with {@code [prefix] }. */
  public Slf4jLogConsumer(Logger logger, String prefix) {
    String p = prefix == null || prefix.isEmpty() ? "" : "[" + prefix + "] ";
    this.lines = new LogBuffer.OutputLines((type, line) -> {
      if (type == OutputFrame.Type.STDOUT) {
        logger.info("{}{}", p, line);
      } else {
        logger.warn("{}{}", p, line);
      }
    });
  }

  /** Lines go to {@code logger} as they are. */
  public Slf4jLogConsumer(Logger logger) {
    this(logger, "");
  }

  @Override
  public void accept(OutputFrame frame) {
    lines.accept(frame);
  }
}
