package dev.poc.oci;

import dev.poc.front.FrontRequest;
import dev.poc.front.FrontServer;
import dev.poc.front.PeerView;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import jnr.unixsocket.UnixSocketChannel;

/**
 * poc-oci's create server: a warm JVM that runs {@code create} for poc-oci's native front, so a
 * create does not pay for a JVM start. The front stays the caller's process and starts poc-init
 * itself (its stdio, its subreaper: the engine's shim adopts the init as it adopts runc's); this
 * server does the rest of a create as the JVM would, and drives that helper over the control socket
 * it connects to ({@link dev.poc.launch.InitSpawner}).
 *
 * <p>Usage: {@code OciServer SOCKET JAR}. One per jar and user ({@link FrontServer}: the socket,
 * its lock and pid file, the caller's uid). It exits once idle for {@code POC_OCI_SERVER_IDLE} seconds (default 30),
 * and as soon as a caller names another build of JAR (its path, mtime and size): that caller runs
 * its create in a JVM of its own, as does any caller whose view of the host, which this server
 * reads from /proc through the caller's pidfd and never takes from the request, differs from its
 * own ({@link PeerView}, {@link FrontRequest#mismatch}). Each request runs on a thread of its
 * own; one that does not arrive within {@value FrontServer#REQUEST_SECONDS} s is dropped.
 *
 * <p>Wire, after the request ({@link FrontRequest}, protocol {@value #PROTOCOL}): the server writes {@code FALLBACK why} (nothing
 * done) or {@code OK}; then, when the create reaches its helper, {@code SPAWN BINARY SOCKET}, to
 * which the front answers {@code PID N} or {@code FAILED why}; last {@code EXIT CODE LENGTH} and
 * that many bytes of stderr text. Lines end in a newline. SPAWN may name a third field, this JVM's
 * sealed poc-init image ({@code /proc/PID/fd/N}). The front runs BINARY only if it is what the
 * runtime unpacks (root's or the user's, writable by no one else, no symlink), IMAGE only if it is
 * this server's, and checks that it talks to the server whose pid SOCKET.pid names.
 */
public final class OciServer implements FrontServer.Handler {
  static final String PROTOCOL = "poc-oci-create 1";
  private final String identity;
  private final PeerView host;

  private OciServer(String identity, PeerView host) {
    this.identity = identity;
    this.host = host;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: OciServer SOCKET JAR (./poc-oci starts it; see README, \"Speed\")");
      System.exit(2);
    }
    long idle = FrontServer.idleNanos("POC_OCI_SERVER_IDLE", "poc.oci.server.idle", "30");
    new FrontServer(Path.of(args[0]), "poc-oci server", idle,
        new OciServer(FrontServer.identity(args[1]), PeerView.own())).serve();
  }

  @Override
  public void answer(UnixSocketChannel caller, InputStream in, OutputStream out, FrontServer server) throws IOException {
    FrontServer.Admitted admitted = server.admit(caller, in, out, PROTOCOL, identity, host, OciServer::relevantEnvironment,
        view -> null);
    if (admitted == null) {
      return;
    }
    FrontRequest request = admitted.request();
    FrontServer.line(out, "OK");
    ByteArrayOutputStream errText = new ByteArrayOutputStream();
    int code;
    try (PrintStream err = new PrintStream(errText, true, StandardCharsets.UTF_8)) {
      try {
        code = OciMain.serveCreate(request.argv(), request.cwd(), err, (binary, helperSocket, image) ->
            server.spawnByFront(caller, in, out, binary, helperSocket, image, "poc-oci's front"));
      } catch (RuntimeException | Error e) {
        err.println("poc-oci: the create server failed: " + e);
        code = 1;
      }
    }
    byte[] text = errText.toByteArray();
    try {
      FrontServer.line(out, "EXIT " + code + " " + text.length);
      out.write(text);
      out.flush();
    } catch (IOException gone) {
      if (code == 0) {
        // the caller went away mid-create (an engine's timeout): it will not use, or delete, what it does not know of
        OciMain.undoCreate(request.argv(), request.cwd(), System.err);
      }
      throw gone;
    }
  }

  /**
   * The variables a create reads, which caller and server must agree on: PATH and TERM, and POC_*
   * but for the front's and the script's own plumbing (POC_OCI_FRONT*, POC_OCI_LAUNCHER,
   * POC_OCI_JAR, POC_OCI_SERVER*).
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
}
