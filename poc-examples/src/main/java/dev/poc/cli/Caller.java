package dev.poc.cli;

import dev.poc.Container;
import dev.poc.launch.InitSpawner;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;

/**
 * Whom a quick command ({@link QuickCommands}) runs for: this JVM's own process ({@link #self()}),
 * or a native front's caller served by the {@link CliServer}. Everything the command would otherwise
 * take from its process comes from here: the streams its own text goes to (a container's output
 * goes to the caller's stdio, through poc-init), the environment (state root, network settings),
 * the directory relative paths resolve against, whether a person is at a terminal, who starts
 * poc-init, what to do once the container runs (the server watches its caller from then on), and
 * where the runtime comes from (the server keeps its runtimes warm). Settings read the caller's
 * {@code properties} before its environment: this JVM's system properties for {@link #self()}, none
 * for a served caller (the server's own -D options must not decide another caller's state root).
 *
 * @param spawner null: this JVM spawns poc-init itself
 */
record Caller(PrintStream out, PrintStream err, Map<String, String> env, Properties properties, Path cwd, boolean interactive,
    InitSpawner spawner, Consumer<Container> onStart, Runtimes runtimes) {

  /** This JVM's process, as the CLI run on its own is. */
  static Caller self() {
    return new Caller(System.out, System.err, System.getenv(), System.getProperties(), Path.of("").toAbsolutePath(), Terminal.isInteractive(),
        null, c -> { }, Runtimes.perCommand());
  }

  /** {@code path} as the caller means it: relative ones against its directory. */
  Path resolve(String path) {
    return cwd.resolve(path);
  }
}
