package dev.poc.junit;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ready once an HTTP GET of a path answers with the expected status (Testcontainers'
 * {@code Wait.forHttp(path).forStatusCode(200)}). Asked from the host over the published port or
 * the container's address when it has one; else from inside, with the container's {@code wget}.
 */
public final class HttpWait implements WaitStrategy {
  private static final Pattern STATUS = Pattern.compile("HTTP/\\d(?:\\.\\d)? (\\d{3})");
  private final String path;
  private final int port;
  private final int status;
  private final Duration timeout;

  HttpWait(String path, int port, int status, Duration timeout) {
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("HTTP wait path '" + path + "' must start with /: write /" + path);
    }
    this.path = path;
    this.port = port;
    this.status = status;
    this.timeout = timeout;
  }

  /** The container port to ask (unless set: the first of {@code withExposedPorts}, else 80). */
  public HttpWait forPort(int port) {
    return new HttpWait(path, port, status, timeout);
  }

  /** The status that means ready (200 unless set). */
  public HttpWait forStatusCode(int status) {
    return new HttpWait(path, port, status, timeout);
  }

  @Override
  public HttpWait withTimeout(Duration timeout) {
    return new HttpWait(path, port, status, timeout);
  }

  @Override
  public void waitUntilReady(PocContainer c) {
    int p = port > 0 ? port : c.firstExposedPort().orElse(80);
    new PollingWait(timeout, "HTTP GET " + path + " on port " + p + " to answer " + status, x -> status(x, p) == status)
        .waitUntilReady(c);
  }

  private int status(PocContainer c, int p) throws IOException {
    Integer published = c.publishedPort(p);
    String base = published != null ? "http://" + c.host() + ":" + published
        : c.addressIfAny().map(a -> "http://" + a + ":" + p).orElse(null);
    if (base == null) { // loopback only: ask from inside
      ExecResult r = c.exec("wget", "-S", "-q", "-O", "/dev/null", "http://127.0.0.1:" + p + path);
      Matcher m = STATUS.matcher(r.stderr());
      int last = -1;
      while (m.find()) {
        last = Integer.parseInt(m.group(1));
      }
      return last;
    }
    HttpURLConnection conn = (HttpURLConnection) URI.create(base + path).toURL().openConnection();
    conn.setConnectTimeout(1000);
    conn.setReadTimeout(1000);
    conn.setInstanceFollowRedirects(false);
    try {
      return conn.getResponseCode();
    } finally {
      conn.disconnect();
    }
  }

  @Override
  public String toString() {
    return "wait for HTTP GET " + path + " to answer " + status + " (" + timeout.toMillis() + " ms)";
  }
}
