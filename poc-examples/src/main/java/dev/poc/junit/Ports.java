package dev.poc.junit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether a container's TCP port listens: its /proc/PID/net/tcp{,6} (its own namespace), then the published side. */
final class Ports {
  private static final String LISTEN = "0A";

  private Ports() {}

  static boolean isListening(PocContainer c, int port) throws IOException {
    int pid = c.pid();
    if (!listensInside(Path.of("/proc/" + pid + "/net/tcp"), port) && !listensInside(Path.of("/proc/" + pid + "/net/tcp6"), port)) {
      return false;
    }
    Integer hostPort = c.publishedPort(port);
    if (hostPort == null) {
      return true;
    }
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(c.host(), hostPort), 500);
      return true;
    }
  }

  /** Lines: "sl local_address rem_address st ...", local_address as HEXADDR:HEXPORT. */
  static boolean listensInside(Path procNetTcp, int port) throws IOException {
    if (!Files.exists(procNetTcp)) {
      return false;
    }
    for (String line : Files.readAllLines(procNetTcp)) {
      String[] f = line.trim().split("\\s+");
      if (f.length > 3 && f[3].equals(LISTEN)) {
        String local = f[1];
        int colon = local.lastIndexOf(':');
        if (colon > 0 && Integer.parseInt(local.substring(colon + 1), 16) == port) {
          return true;
        }
      }
    }
    return false;
  }
}
