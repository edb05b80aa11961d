package dev.poc.junit;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Wait strategies, as Testcontainers has them: a log line (counted with {@code times(n)}), a
 * listening port, an HTTP status, a command that succeeds. Each times out after 30 seconds unless told otherwise ({@code .withTimeout(...)}), and
 * its failure shows the container's last output lines.
 */
public final class Wait {
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  private Wait() {}

  /** Ready once a line of stdout or stderr matches {@code regex} (found anywhere in the line). */
  public static LogLineWait forLogLine(String regex) {
    Pattern.compile(regex); // a bad pattern fails here, not in the wait
    return new LogLineWait(regex, 1, DEFAULT_TIMEOUT);
  }

  /** Ready once an HTTP GET of {@code path} answers 200 (see {@link HttpWait#forStatusCode(int)}, {@link HttpWait#forPort(int)}). */
  public static HttpWait forHttp(String path) {
    return new HttpWait(path, 0, 200, DEFAULT_TIMEOUT);
  }

  /**
   * Ready once something in the container listens on TCP {@code port}, read from the container's
   * own network namespace (no packet is sent), and, when the port is published, once the host side
   * accepts a connection.
   */
  public static WaitStrategy forListeningPort(int port) {
    return new PollingWait(DEFAULT_TIMEOUT, "TCP port " + port + " to listen", c -> Ports.isListening(c, port));
  }

  /** Ready once {@code command} exits with 0 inside the container. */
  public static WaitStrategy forCommand(String... command) {
    List<String> cmd = List.of(command);
    return new PollingWait(DEFAULT_TIMEOUT, "command " + String.join(" ", cmd) + " to succeed",
        c -> c.exec(command).succeeded());
  }

  /** Ready as soon as the command runs. */
  public static WaitStrategy none() {
    return new PollingWait(Duration.ZERO, "nothing", c -> true);
  }
}
