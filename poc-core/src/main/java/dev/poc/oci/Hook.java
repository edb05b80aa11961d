package dev.poc.oci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.poc.InvalidSpecException;
import dev.poc.StartFailedException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One OCI hook: a host program run with the container's state on its stdin. Its {@code args[0]}
 * is the program's argv[0], which Java cannot set, so it runs through {@code bash -c 'exec -a'}
 * (Docker's libnetwork-setkey hook is dockerd itself, told apart by argv[0]).
 *
 * @param path the program, absolute
 * @param args its argv, argv[0] included (the path when empty)
 * @param env its whole environment, NAME=VALUE
 * @param timeoutSeconds 0: no limit
 */
record Hook(String path, List<String> args, List<String> env, int timeoutSeconds) {

  static List<Hook> list(JsonNode hooks, String phase, String at) {
    List<Hook> out = new ArrayList<>();
    int i = 0;
    for (JsonNode h : hooks.path(phase)) {
      String where = at + "." + phase + "[" + i++ + "]";
      h.fieldNames().forEachRemaining(f -> {
        if (!List.of("path", "args", "env", "timeout").contains(f)) {
          throw new InvalidSpecException(where + "." + f + " is not a field poc knows: drop it");
        }
      });
      String path = h.path("path").asText("");
      if (!path.startsWith("/")) {
        throw new InvalidSpecException(where + ".path is '" + path + "': a hook's path must be absolute");
      }
      List<String> args = new ArrayList<>();
      h.path("args").forEach(a -> args.add(a.asText()));
      List<String> env = new ArrayList<>();
      h.path("env").forEach(e -> env.add(e.asText()));
      out.add(new Hook(path, List.copyOf(args), List.copyOf(env), h.path("timeout").asInt(0)));
    }
    return List.copyOf(out);
  }

  /** Runs the hook with {@code state} on its stdin; a failure or a timeout is an exception naming it. */
  void run(String phase, String state) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("/bin/bash", "-c", "exec -a \"$0\" \"$@\""));
    cmd.add(args.isEmpty() ? path : args.get(0));
    cmd.add(path);
    if (args.size() > 1) {
      cmd.addAll(args.subList(1, args.size()));
    }
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().clear();
    for (String kv : env) {
      int eq = kv.indexOf('=');
      if (eq > 0) {
        pb.environment().put(kv.substring(0, eq), kv.substring(eq + 1));
      }
    }
    Path out = Files.createTempFile("poc-oci-hook", ".log");
    pb.redirectOutput(out.toFile());
    Process p = pb.start();
    try {
      try (OutputStream in = p.getOutputStream()) {
        in.write(state.getBytes(StandardCharsets.UTF_8));
      } catch (IOException closedEarly) {
        // a hook that does not read its stdin is fine
      }
      boolean ended = timeoutSeconds > 0 ? p.waitFor(timeoutSeconds, TimeUnit.SECONDS) : p.waitFor() >= Integer.MIN_VALUE;
      if (!ended) {
        p.destroyForcibly().waitFor();
        throw new StartFailedException(phase + " hook " + path + " did not finish within its timeout of " + timeoutSeconds + " s");
      }
      if (p.exitValue() != 0) {
        throw new StartFailedException(phase + " hook " + path + " " + args + " failed with exit code " + p.exitValue()
            + ": " + Files.readString(out).strip());
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new StartFailedException(phase + " hook " + path + " was interrupted");
    } finally {
      Files.deleteIfExists(out);
    }
  }
}
