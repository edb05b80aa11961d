package dev.poc;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A GET over a raw socket (no proxy settings can intervene), retried until the server is up. */
public final class RawHttp {
  private RawHttp() {}

  /** The whole response (status line, headers, body) of {@code GET path} from {@code host:port}. */
  public static String get(String host, int port, String path) throws Exception {
    IOException last = null;
    for (int attempt = 0; attempt < 50; attempt++) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(host, port), 2000);
        s.setSoTimeout(5000);
        s.getOutputStream().write(("GET " + path + " HTTP/1.0\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (response.startsWith("HTTP/1")) {
          return response;
        }
      } catch (IOException e) {
        last = e;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no HTTP answer from " + host + ":" + port, last);
  }
}
