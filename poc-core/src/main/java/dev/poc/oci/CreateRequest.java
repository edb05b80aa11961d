package dev.poc.oci;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One {@code create} as poc-oci's native front sends it to the create server ({@link OciServer}):
 * NUL-terminated strings, in this order: the protocol line, the identity of the jar the caller
 * would run, the caller's directory, umask (octal), namespaces (as {@link #ownNamespaces()} writes
 * them), credentials (as {@link #ownCredentials()} writes them), the number of environment entries
 * and each {@code KEY=VALUE}, /proc/self/cgroup text, the number of arguments and each argument
 * (poc-oci's, without argv[0]). The front names the server's socket after the jar's path and this
 * view of the host (all but the cgroup, unless rootless), so callers that differ reach servers of
 * their own; the checks here stand behind that.
 *
 * <p>The server answers only a caller that sees the host as it does: the same jar, mount, pid,
 * network, cgroup, user, ipc and uts namespaces, capabilities, no_new_privs and seccomp mode, umask, and the environment a create reads
 * ({@link #relevantEnvironment}); else the front runs the create in a JVM of its own, as without a
 * server, since nothing has started yet.
 */
record CreateRequest(String identity, Path cwd, String umask, String namespaces, String credentials, String cgroup,
    Map<String, String> env, List<String> argv) {
  static final String PROTOCOL = "poc-oci-create 1";
  private static final int MAX_BYTES = 1 << 20;
  private static final List<String> NAMESPACES = List.of("mnt", "pid", "net", "cgroup", "user", "ipc", "uts");

  /** Reads one request; an IOException for anything malformed (the front then falls back). */
  static CreateRequest read(InputStream in) throws IOException {
    Reader r = new Reader(in);
    String protocol = r.next();
    if (!protocol.equals(PROTOCOL)) {
      throw new IOException("protocol '" + protocol + "', not '" + PROTOCOL + "'");
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
    return new CreateRequest(identity, cwd, umask, namespaces, credentials, cgroup, env, argv);
  }

  /** Why this server must not answer the request (the front falls back), or null when it may. */
  String mismatch(String ownIdentity, Host own) {
    if (!identity.equals(ownIdentity)) {
      return "the server runs " + ownIdentity + ", the caller " + identity;
    }
    if (!namespaces.equals(own.namespaces())) {
      return "namespaces differ: the caller's " + namespaces + ", the server's " + own.namespaces();
    }
    if (!credentials.equals(own.credentials())) {
      return "capabilities, no_new_privs or seccomp differ: the caller's " + credentials + ", the server's "
          + own.credentials();
    }
    if (!umask.equals(own.umask())) {
      return "umask differs: the caller's " + umask + ", the server's " + own.umask();
    }
    if (own.rootless() && !cgroup.equals(own.cgroup())) {
      // rootless: a container's group is found from the runtime's own (DelegatedCgroup)
      return "rootless, and the cgroups differ";
    }
    if (!env.equals(own.env())) {
      return "the environment differs: the caller's " + env + ", the server's " + own.env();
    }
    return null;
  }

  /** What this process sees of the host, as a request carries it. */
  record Host(String namespaces, String credentials, String umask, String cgroup, Map<String, String> env,
      boolean rootless) {
    static Host current() throws IOException {
      return new Host(ownNamespaces(), ownCredentials(), ownUmask(), Files.readString(Path.of("/proc/self/cgroup")),
          relevantEnvironment(System.getenv()), dev.poc.host.Posix.geteuid() != 0);
    }
  }

  /** "mnt:[N] pid:[N] …": this process's namespaces, as the front writes them. */
  static String ownNamespaces() throws IOException {
    List<String> links = new ArrayList<>();
    for (String ns : NAMESPACES) {
      links.add(Files.readSymbolicLink(Path.of("/proc/self/ns", ns)).toString());
    }
    return String.join(" ", links);
  }

  /**
   * "CapInh:… CapPrm:… CapEff:… CapBnd:… CapAmb:… NoNewPrivs:N Seccomp:N", from /proc/self/status:
   * what this process may do, which a create made for a caller must not exceed.
   */
  static String ownCredentials() throws IOException {
    List<String> status = Files.readAllLines(Path.of("/proc/self/status"));
    List<String> out = new ArrayList<>();
    for (String key : List.of("CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:", "NoNewPrivs:", "Seccomp:")) {
      status.stream().filter(l -> l.startsWith(key)).findFirst()
          .ifPresent(l -> out.add(key + l.substring(key.length()).trim()));
    }
    return String.join(" ", out);
  }

  /** This process's umask, from /proc/self/status ("0022"). */
  static String ownUmask() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("Umask:")) {
        return line.substring(6).trim();
      }
    }
    throw new IOException("/proc/self/status has no Umask line (Linux 4.7 or later has)");
  }

  /**
   * The variables a create reads: PATH and TERM, and POC_* but for the front's and the script's
   * own plumbing (POC_OCI_FRONT*, POC_OCI_LAUNCHER, POC_OCI_JAR, POC_OCI_SERVER*).
   */
  static Map<String, String> relevantEnvironment(Map<String, String> env) {
    Map<String, String> out = new TreeMap<>();
    env.forEach((k, v) -> {
      if (k.equals("PATH") || k.equals("TERM") || (k.startsWith("POC_") && !k.startsWith("POC_OCI_FRONT")
          && !k.equals("POC_OCI_LAUNCHER") && !k.equals("POC_OCI_JAR") && !k.startsWith("POC_OCI_SERVER"))) {
        out.put(k, v);
      }
    });
    return out;
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
