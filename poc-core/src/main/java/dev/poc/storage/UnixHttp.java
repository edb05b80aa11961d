package dev.poc.storage;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import jnr.unixsocket.UnixSocketAddress;
import jnr.unixsocket.UnixSocketChannel;

/**
 * Just enough HTTP/1.1 over a Unix socket for the Docker Engine API: one request per connection
 * ({@code Connection: close}), a streamed request body, and a response body that is chunked,
 * sized, or read to the end.
 */
final class UnixHttp {
  private UnixHttp() {}

  /** Writes a request body. */
  interface Body {
    void writeTo(OutputStream out) throws IOException;
  }

  /** A response whose body is read as a stream; close it to close the connection. */
  static final class Response implements AutoCloseable {
    private final int status;
    private final Map<String, String> headers;
    private final InputStream body;
    private final UnixSocketChannel channel;

    private Response(int status, Map<String, String> headers, InputStream body, UnixSocketChannel channel) {
      this.status = status;
      this.headers = headers;
      this.body = body;
      this.channel = channel;
    }

    int status() {
      return status;
    }

    boolean ok() {
      return status >= 200 && status < 300;
    }

    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    InputStream body() {
      return body;
    }

    /** The whole body as text. */
    String text() throws IOException {
      return new String(body.readAllBytes(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  /** Sends one request; {@code body} may be null (then no body is sent). */
  static Response send(Path socket, String method, String target, String contentType, long contentLength, Body body)
      throws IOException {
    UnixSocketChannel channel = UnixSocketChannel.open(new UnixSocketAddress(socket.toFile()));
    try {
      OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 64 * 1024);
      StringBuilder head = new StringBuilder()
          .append(method).append(' ').append(target).append(" HTTP/1.1\r\n")
          .append("Host: docker\r\n")
          .append("User-Agent: poc\r\n")
          .append("Connection: close\r\n");
      if (body != null) {
        head.append("Content-Type: ").append(contentType).append("\r\n");
        head.append("Content-Length: ").append(contentLength).append("\r\n");
      }
      head.append("\r\n");
      out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      if (body != null) {
        body.writeTo(out);
      }
      out.flush();
      InputStream in = new BufferedInputStream(Channels.newInputStream(channel), 64 * 1024);
      String statusLine = readLine(in);
      String[] parts = statusLine.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
        throw new IOException("unexpected answer from " + socket + ": '" + statusLine + "'");
      }
      int status = Integer.parseInt(parts[1]);
      Map<String, String> headers = new HashMap<>();
      for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
        int colon = line.indexOf(':');
        if (colon > 0) {
          headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
      }
      InputStream content;
      if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
        content = new ChunkedInputStream(in);
      } else if (headers.containsKey("content-length")) {
        content = new LimitedInputStream(in, Long.parseLong(headers.get("content-length")));
      } else {
        content = in;
      }
      return new Response(status, headers, content, channel);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /** One CRLF- (or LF-) terminated line of ASCII, without the terminator. */
  static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream(64);
    int c;
    while ((c = in.read()) != -1 && c != '\n') {
      line.write(c);
    }
    if (c == -1 && line.size() == 0) {
      throw new IOException("the Docker daemon closed the connection mid-answer");
    }
    String s = line.toString(StandardCharsets.ISO_8859_1);
    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
  }

  /** The body of a "Transfer-Encoding: chunked" response, decoded. */
  static final class ChunkedInputStream extends InputStream {
    private final InputStream in;
    private long left;
    private boolean done;

    ChunkedInputStream(InputStream in) {
      this.in = in;
    }

    private boolean nextChunk() throws IOException {
      if (done) {
        return false;
      }
      if (left == 0) {
        String size = readLine(in);
        int semi = size.indexOf(';');
        left = Long.parseLong((semi >= 0 ? size.substring(0, semi) : size).trim(), 16);
        if (left == 0) {
          while (!readLine(in).isEmpty()) {
            // trailers: none we need
          }
          done = true;
          return false;
        }
      }
      return true;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (!nextChunk()) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n == -1) {
        throw new IOException("connection closed in the middle of a chunk");
      }
      left -= n;
      if (left == 0) {
        readLine(in); // the CRLF after the chunk
      }
      return n;
    }
  }

  /** At most {@code limit} bytes of a stream. */
  static final class LimitedInputStream extends InputStream {
    private final InputStream in;
    private long left;

    LimitedInputStream(InputStream in, long limit) {
      this.in = in;
      this.left = limit;
    }

    @Override
    public int read() throws IOException {
      if (left <= 0) {
        return -1;
      }
      int c = in.read();
      if (c >= 0) {
        left--;
      }
      return c;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n > 0) {
        left -= n;
      }
      return n;
    }
  }
}
