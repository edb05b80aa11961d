package dev.poc.network.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The responder's sockets on loopback (a port of the test's own instead of 53): UDP and TCP
 * answers from the name source as it is at each query, one answering holder of the lock, and the
 * take-over by another when it lets go.
 */
class DnsResponderTest {
  private static final String HOST = "127.0.0.1";
  @TempDir
  Path dir;

  @Test
  void answersOverUdpAndTcpFromTheNamesAsTheyAreAtEachQuery() throws Exception {
    int port = freePort();
    AtomicReference<Map<String, List<String>>> names = new AtomicReference<>(Map.of("web", List.of("10.210.0.2")));
    DnsResponder responder = new DnsResponder(port);
    try (AutoCloseable served = responder.serve(HOST, dir.resolve("dns.lock"), names::get)) {
      assertThat(responder.answers(HOST)).as("bound before serve returns").isTrue();
      byte[] r = udp(port, DnsBytes.query(11, "web", DnsQuery.TYPE_A));
      assertThat(DnsBytes.rcode(r)).isEqualTo(DnsResponse.NOERROR);
      assertThat(Arrays.copyOfRange(r, r.length - 4, r.length)).containsExactly(10, 210, 0, 2);
      assertThat(DnsBytes.rcode(tcp(port, DnsBytes.query(12, "nosuch.invalid", DnsQuery.TYPE_A))))
          .isEqualTo(DnsResponse.REFUSED);
      names.set(Map.of());
      assertThat(DnsBytes.rcode(udp(port, DnsBytes.query(13, "web", DnsQuery.TYPE_A)))).isEqualTo(DnsResponse.NXDOMAIN);
    }
    assertThat(responder.answers(HOST)).isFalse();
    awaitNoResponderThread();
  }

  @Test
  void oneHolderOfTheLockAnswersAndAnotherTakesOverWhenItLetsGo() throws Exception {
    int port = freePort();
    Path lock = dir.resolve("dns.lock");
    DnsResponder first = new DnsResponder(port);
    DnsResponder second = new DnsResponder(port);
    AutoCloseable firstServes = first.serve(HOST, lock, () -> Map.of("a", List.of("10.210.0.2")));
    try (AutoCloseable secondWaits = second.serve(HOST, lock, () -> Map.of("a", List.of("10.210.0.9")))) {
      assertThat(second.answers(HOST)).as("the lock is the first's").isFalse();
      assertThat(last(udp(port, DnsBytes.query(1, "a", DnsQuery.TYPE_A)))).isEqualTo(2);
      firstServes.close();
      byte[] r = null;
      for (int i = 0; i < 200 && (r == null || last(r) != 9); i++) { // the second retries the lock
        Thread.sleep(50);
        r = second.answers(HOST) ? udp(port, DnsBytes.query(2, "a", DnsQuery.TYPE_A)) : null;
      }
      assertThat(r).as("answered by the second responder once the first let go").isNotNull();
      assertThat(last(r)).isEqualTo(9);
    }
    awaitNoResponderThread();
  }

  private static int last(byte[] response) {
    return response[response.length - 1] & 0xff;
  }

  private static byte[] udp(int port, byte[] query) throws Exception {
    try (DatagramSocket s = new DatagramSocket()) {
      s.setSoTimeout(5000);
      s.send(new DatagramPacket(query, query.length, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), port));
      DatagramPacket p = new DatagramPacket(new byte[512], 512);
      s.receive(p);
      return Arrays.copyOf(p.getData(), p.getLength());
    }
  }

  private static byte[] tcp(int port, byte[] query) throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), port), 5000);
      s.setSoTimeout(5000);
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      out.writeShort(query.length);
      out.write(query);
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      byte[] r = new byte[in.readUnsignedShort()];
      in.readFully(r);
      return r;
    }
  }

  private static int freePort() throws Exception {
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}))) {
      return s.getLocalPort();
    }
  }

  /** The responder's thread ends once nothing is served (it wakes at the release). */
  private static void awaitNoResponderThread() throws InterruptedException {
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().equals("poc-dns")) {
        t.join(10_000);
        assertThat(t.isAlive()).as("poc-dns thread after the last release").isFalse();
      }
    }
  }
}
