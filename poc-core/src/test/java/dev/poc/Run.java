package dev.poc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/** The outcome of running a container to its end: exit status and both outputs. */
final class Run {
  final ExitStatus status;
  final String out;
  final String err;

  private Run(ExitStatus status, String out, String err) {
    this.status = status;
    this.out = out;
    this.err = err;
  }

  /** Starts the spec, reads stdout and stderr to the end, waits. */
  static Run of(ContainerSpec.Builder builder) throws Exception {
    try (Container c = builder.start()) {
      CompletableFuture<String> err = drain(c.stderr());
      String out = drain(c.stdout()).get();
      c.waitFor();
      return new Run(c.exitStatus(), out, err.get());
    }
  }

  static CompletableFuture<String> drain(InputStream in) {
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

  int code() {
    return status.code();
  }

  @Override
  public String toString() {
    return status + "\n--- stdout\n" + out + "--- stderr\n" + err;
  }
}
