package dev.poc.front;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One request as a native front sends it to its server ({@link FrontServer}): NUL-terminated
 * strings, in this order: the protocol line, the identity of the jar the caller would run, the
 * caller's directory, umask (octal), namespaces, credentials, the number of environment entries and
 * each {@code KEY=VALUE}, /proc/self/cgroup text, the number of arguments and each argument
 * (without argv[0]). The front names the server's socket after the jar's path and this view of the
 * host (all but the cgroup, unless rootless), so callers that differ reach servers of their own;
 * the checks here stand behind that (front-client.h writes it).
 *
 * <p>The server answers only a caller that runs the same jar and, as the server reads it from /proc
 * ({@link PeerView}), sees the host as it does and may do what it may; else the front runs the
 * command in a JVM of its own, as without a server, since nothing has started yet.
 */
public record FrontRequest(String identity, Path cwd, String umask, String namespaces, String credentials, String cgroup,
    Map<String, String> env, List<String> argv) {
  private static final int MAX_BYTES = 1 << 20;

  /** Reads one request of {@code protocol}; an IOException for anything malformed (the front then falls back). */
  public static FrontRequest read(InputStream in, String protocol) throws IOException {
    Reader r = new Reader(in);
    String given = r.next();
    if (!given.equals(protocol)) {
      throw new IOException("protocol '" + given + "', not '" + protocol + "'");
    }
    String identity = r.next();
    Path cwd = Path.of(r.next());
    if (!cwd.isAbsolute()) {
      throw new IOException("the caller's directory " + cwd + " is not absolute");
    }
    String umask = r.next();
    String namespaces = r.next();
    String credentials = r.next();
    Map<String, String> env = new TreeMap<>();
    for (int i = r.count(); i > 0; i--) {
      String entry = r.next();
      int eq = entry.indexOf('=');
      if (eq <= 0) {
        throw new IOException("environment entry '" + entry + "' is not KEY=VALUE");
      }
      env.put(entry.substring(0, eq), entry.substring(eq + 1));
    }
    String cgroup = r.next();
    List<String> argv = new ArrayList<>();
    for (int i = r.count(); i > 0; i--) {
      argv.add(r.next());
    }
    return new FrontRequest(identity, cwd, umask, namespaces, credentials, cgroup, env, argv);
  }

  /**
   * Why this server must not answer the request (the front falls back), or null when it may: another
   * build of the jar, or a caller whose view of the host, read from /proc by the server
   * ({@link PeerView}), differs from the server's. What the request says of the caller's host
   * (namespaces, credentials, umask, environment, cgroup) only chose the socket; it is not believed.
   * {@code compared}: the part of the environment that must agree.
   */
  public String mismatch(String ownIdentity, PeerView caller, PeerView own,
      java.util.function.UnaryOperator<Map<String, String>> compared) {
    if (!identity.equals(ownIdentity)) {
      return "the server runs " + ownIdentity + ", the caller " + identity;
    }
    if (!cwd.toString().equals(caller.cwd())) {
      return "the caller says its directory is " + cwd + ", /proc says " + caller.cwd();
    }
    return caller.difference(own, compared);
  }

  /** NUL-terminated strings, at most MAX_BYTES in all. */
  private static final class Reader {
    private final InputStream in;
    private int total;

    Reader(InputStream in) {
      this.in = in;
    }

    String next() throws IOException {
      java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
      for (;;) {
        int b = in.read();
        if (b < 0) {
          throw new IOException("the request ended early");
        }
        if (++total > MAX_BYTES) {
          throw new IOException("the request is over " + MAX_BYTES + " bytes");
        }
        if (b == 0) {
          return buf.toString(StandardCharsets.UTF_8);
        }
        buf.write(b);
      }
    }

    int count() throws IOException {
      String text = next();
      try {
        int n = Integer.parseInt(text);
        if (n < 0 || n > 10_000) {
          throw new IOException("count " + n + " out of range");
        }
        return n;
      } catch (NumberFormatException e) {
        throw new IOException("'" + text + "' is not a count");
      }
    }
  }
}
