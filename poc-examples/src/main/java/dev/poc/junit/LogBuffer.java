package dev.poc.junit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A container's output lines, kept for waits and logs() and copied to the test's output with a prefix. */
final class LogBuffer {
  private final String prefix;
  private final List<String> lines = new ArrayList<>();
  private final List<Thread> pumps = new ArrayList<>();

  /** {@code prefix} null: keep, do not forward. */
  LogBuffer(String prefix) {
    this.prefix = prefix;
  }

  void pump(InputStream in, PrintStream forward, String threadName) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          add(line);
          if (prefix != null) {
            forward.println(prefix + line);
          }
        }
      } catch (IOException e) {
        // the container ended and its pipe closed
      }
    }, threadName);
    t.setDaemon(true);
    t.start();
    pumps.add(t);
  }

  private synchronized void add(String line) {
    lines.add(line);
  }

  synchronized List<String> lines() {
    return new ArrayList<>(lines);
  }

  /** After the container ended: lets the last lines arrive. */
  void awaitDrained() {
    for (Thread t : pumps) {
      try {
        t.join(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
