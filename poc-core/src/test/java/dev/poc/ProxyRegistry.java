package dev.poc;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny HTTP server on 127.0.0.1 in front of a {@link LocalRegistry} that misbehaves on purpose:
 * it corrupts or cuts one blob, or demands a Bearer token from its own token realm (which wants
 * basic credentials), as Docker Hub does.
 */
final class ProxyRegistry implements AutoCloseable {
  enum Mode { PASS, CORRUPT, TRUNCATE_ALWAYS, TRUNCATE_ONCE, BEARER, REDIRECT }

  static final String TOKEN = "poc-test-token";

  private final HttpServer server;
  private final URI upstream;
  private final HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build();
  private volatile Mode mode = Mode.PASS;
  private volatile String target = "";
  final AtomicInteger blobRequests = new AtomicInteger();
  final AtomicInteger rangeRequests = new AtomicInteger();
  /** Authorization headers that reached the redirect target (storage must never see one). */
  final AtomicInteger leakedAuthorizations = new AtomicInteger();
  final AtomicInteger redirectedRequests = new AtomicInteger();

  ProxyRegistry(URI upstream) throws IOException {
    this.upstream = upstream;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext("/", this::handle);
    server.start();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Misbehaves in {@code mode} for the blob whose digest hex is {@code hex} (BEARER: for every request). */
  void set(Mode mode, String hex) {
    this.mode = mode;
    this.target = hex;
    blobRequests.set(0);
    rangeRequests.set(0);
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      if (path.equals("/token")) {
        String expected = "Basic " + Base64.getEncoder().encodeToString(
            (LocalRegistry.USER + ":" + LocalRegistry.PASSWORD).getBytes(StandardCharsets.UTF_8));
        if (!expected.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
          ex.sendResponseHeaders(401, -1);
          return;
        }
        byte[] body = ("{\"token\":\"" + TOKEN + "\"}").getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
        return;
      }
      boolean viaStorage = path.startsWith("/storage/");
      if (viaStorage) { // where REDIRECT sends blobs, like a bucket behind a registry: no registry auth here
        redirectedRequests.incrementAndGet();
        if (ex.getRequestHeaders().getFirst("Authorization") != null) {
          leakedAuthorizations.incrementAndGet();
        }
        path = path.substring("/storage".length());
      }
      if ((mode == Mode.BEARER || mode == Mode.REDIRECT) && !viaStorage
          && !("Bearer " + TOKEN).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
        ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"" + uri() + "/token\",service=\"poc-test\",scope=\"repository:library/busybox:pull\"");
        ex.sendResponseHeaders(401, -1);
        return;
      }
      if (mode == Mode.REDIRECT && !viaStorage && path.endsWith("/blobs/sha256:" + target)) {
        ex.getResponseHeaders().add("Location", "/storage" + path);
        ex.sendResponseHeaders(307, -1);
        return;
      }
      HttpRequest.Builder req = HttpRequest.newBuilder(upstream.resolve(path)).GET();
      String accept = ex.getRequestHeaders().getFirst("Accept");
      if (accept != null) {
        req.header("Accept", accept);
      }
      HttpResponse<byte[]> r;
      try {
        r = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        ex.sendResponseHeaders(502, -1);
        return;
      }
      r.headers().firstValue("Content-Type").ifPresent(v -> ex.getResponseHeaders().add("Content-Type", v));
      r.headers().firstValue("Docker-Content-Digest").ifPresent(v -> ex.getResponseHeaders().add("Docker-Content-Digest", v));
      byte[] body = r.body();
      boolean isTarget = path.endsWith("/blobs/sha256:" + target) && r.statusCode() == 200;
      if (isTarget) {
        blobRequests.incrementAndGet();
      }
      if (isTarget && mode == Mode.CORRUPT) {
        body = body.clone();
        body[body.length / 2] ^= 0x5a;
      }
      String range = ex.getRequestHeaders().getFirst("Range");
      if (isTarget && range != null && mode == Mode.TRUNCATE_ONCE) {
        rangeRequests.incrementAndGet();
        int from = Integer.parseInt(range.replaceAll("bytes=(\\d+)-.*", "$1"));
        byte[] rest = java.util.Arrays.copyOfRange(body, from, body.length);
        ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
        ex.sendResponseHeaders(206, rest.length);
        ex.getResponseBody().write(rest);
        return;
      }
      boolean cut = isTarget && (mode == Mode.TRUNCATE_ALWAYS || (mode == Mode.TRUNCATE_ONCE && blobRequests.get() == 1));
      ex.sendResponseHeaders(r.statusCode(), body.length == 0 ? -1 : body.length);
      OutputStream out = ex.getResponseBody();
      if (cut) {
        out.write(body, 0, body.length / 2);
        out.flush();
        return; // closing the exchange short of its length breaks the transfer
      }
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
