package dev.poc.junit;

import java.time.Duration;
import java.util.regex.Pattern;

/** Ready once {@link #times(int)} lines of output (1 unless set) match a regex (found anywhere in the line). */
public final class LogLineWait implements WaitStrategy {
  private final String regex;
  private final int times;
  private final Duration timeout;

  LogLineWait(String regex, int times, Duration timeout) {
    if (times < 1) {
      throw new IllegalArgumentException("times(" + times + "): a log wait needs at least 1 matching line");
    }
    this.regex = regex;
    this.times = times;
    this.timeout = timeout;
  }

  /** Ready once {@code n} lines match (e.g. a database that logs "ready" twice as it restarts). */
  public LogLineWait times(int n) {
    return new LogLineWait(regex, n, timeout);
  }

  @Override
  public LogLineWait withTimeout(Duration timeout) {
    return new LogLineWait(regex, times, timeout);
  }

  @Override
  public void waitUntilReady(PocContainer c) {
    Pattern p = Pattern.compile(regex);
    String what = (times == 1 ? "a log line" : times + " log lines") + " matching /" + regex + "/";
    new PollingWait(timeout, what, x -> x.logLines().stream().filter(l -> p.matcher(l).find()).count() >= times)
        .waitUntilReady(c);
  }

  @Override
  public String toString() {
    return "wait for " + times + " line(s) matching /" + regex + "/ (" + timeout.toMillis() + " ms)";
  }
}
