package dev.poc.rootless;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.poc.Container;
import dev.poc.ContainerSpec;
import dev.poc.ExitStatus;
import dev.poc.host.Posix;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/** What the rootless tests share: they run as an ordinary user (the {@code rootless} profile), and a run's outcome. */
final class RootlessRuns {
  private RootlessRuns() {}

  /** The rootless tests mean nothing as root: run them with {@code runuser -u USER -- mvn -Prootless ...}. */
  static void requireOrdinaryUser() {
    assumeTrue(Posix.geteuid() != 0, "the rootless tests run as an ordinary user (./run-tests does, as poc-rootless)");
  }

  /** A container run to its end: status and both outputs. */
  record Outcome(ExitStatus status, String out, String err) {
    int code() {
      return status.code();
    }

    @Override
    public String toString() {
      return status + "\nstdout: " + out + "\nstderr: " + err;
    }
  }

  static Outcome run(ContainerSpec.Builder spec) throws Exception {
    try (Container c = spec.start()) {
      CompletableFuture<String> err = drain(c.stderr());
      String out = drain(c.stdout()).get();
      c.waitFor();
      return new Outcome(c.exitStatus(), out, err.get());
    }
  }

  private static CompletableFuture<String> drain(InputStream in) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        in.transferTo(buf);
        return buf.toString(StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "<" + e + ">";
      }
    });
  }
}
