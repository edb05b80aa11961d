package dev.poc.network.usermode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poc.StartFailedException;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * slirp4netns's API socket ({@code --api-socket}): one JSON request per connection, answered with
 * {@code {"return": ...}} or {@code {"error": {"desc": ...}}}.
 */
final class SlirpApi {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path socket;

  SlirpApi(Path socket) {
    this.socket = socket;
  }

  /** Listens on the host's {@code 127.0.0.1:hostPort} and forwards each connection to the container's port. */
  void addTcpForward(int hostPort, int containerPort, String container) throws IOException {
    ObjectNode request = JSON.createObjectNode().put("execute", "add_hostfwd");
    request.putObject("arguments").put("proto", "tcp").put("host_addr", "127.0.0.1").put("host_port", hostPort)
        .put("guest_port", containerPort);
    JsonNode answer = call(request);
    if (!answer.has("return")) {
      String why = answer.path("error").path("desc").asText(answer.toString());
      throw new StartFailedException("publishing port " + containerPort + " of '" + container + "' on 127.0.0.1:"
          + hostPort + " through slirp4netns: " + why + ": pick another host port, or 0 for a free one");
    }
  }

  private JsonNode call(ObjectNode request) throws IOException {
    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      ch.write(ByteBuffer.wrap(JSON.writeValueAsBytes(request)));
      ch.shutdownOutput(); // slirp4netns answers once the request is complete
      ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
      while (ch.read(buf) >= 0 && buf.hasRemaining()) {
        try {
          return JSON.readTree(buf.array(), 0, buf.position()); // one whole answer: done
        } catch (com.fasterxml.jackson.core.JsonProcessingException partial) {
          // read on
        }
      }
      return JSON.readTree(buf.array(), 0, buf.position());
    }
  }
}
