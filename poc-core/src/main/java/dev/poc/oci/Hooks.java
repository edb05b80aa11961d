package dev.poc.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * The hooks that run after create, read again from the bundle by the verb that runs them:
 * poststart (by {@code start}) and poststop (by {@code delete}). The spec makes their failures
 * warnings, not errors. (prestart and createRuntime run at create: {@link InitHostSteps}.)
 */
final class Hooks {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<Hook> poststart;
  private final List<Hook> poststop;

  private Hooks(List<Hook> poststart, List<Hook> poststop) {
    this.poststart = poststart;
    this.poststop = poststop;
  }

  static Hooks of(JsonNode config, String source) {
    JsonNode hooks = config.path("hooks");
    return new Hooks(Hook.list(hooks, "poststart", source + ": hooks"), Hook.list(hooks, "poststop", source + ": hooks"));
  }

  /** The bundle's, or none when its config.json is gone or unreadable (delete must still work). */
  static Hooks ofBundle(Path bundle) {
    try {
      return of(JSON.readTree(bundle.resolve("config.json").toFile()), bundle.resolve("config.json").toString());
    } catch (IOException | RuntimeException e) {
      return new Hooks(List.of(), List.of());
    }
  }

  void poststart(String state, Consumer<String> warn) {
    run("poststart", poststart, state, warn);
  }

  void poststop(String state, Consumer<String> warn) {
    run("poststop", poststop, state, warn);
  }

  private static void run(String phase, List<Hook> hooks, String state, Consumer<String> warn) {
    for (Hook h : hooks) {
      try {
        h.run(phase, state);
      } catch (IOException | RuntimeException e) {
        warn.accept(e.getMessage());
      }
    }
  }
}
