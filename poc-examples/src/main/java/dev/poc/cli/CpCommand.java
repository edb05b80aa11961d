package dev.poc.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code cp SRC NAME:DST} and {@code cp NAME:SRC DST}: files into and out of a running container. */
@Command(name = "cp", description = "Copies files or directories into or out of a running container.",
    footer = {"", "Paths inside are resolved in the container's root, as it sees them: a symlink there never",
        "leads onto the host. Directories go with their modes; symlinks in them are copied as symlinks.",
        "", "Example:", "  sudo ./poc cp ./conf bg:/etc/app", "  sudo ./poc cp bg:/var/log/app.log ."})
final class CpCommand implements Callable<Integer> {
  @ParentCommand
  private Poc poc;

  @Spec
  private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SRC", description = "A host path, or NAME:PATH inside a container.")
  private String source;

  @Parameters(index = "1", paramLabel = "DST", description = "A host path, or NAME:PATH inside a container.")
  private String destination;

  @Override
  public Integer call() {
    String[] from = inside(source);
    String[] to = inside(destination);
    if ((from == null) == (to == null)) {
      throw Errors.usage(spec.commandLine(), "cp copies between the host and one container: write exactly one of SRC and"
          + " DST as NAME:/path (e.g. poc cp ./f bg:/tmp/f)");
    }
    if (to != null) {
      poc.runtime().copyToContainer(to[0], Path.of(source), to[1]);
    } else {
      Path target = Path.of(destination);
      if (java.nio.file.Files.isDirectory(target)) { // as cp does: into an existing directory
        target = target.resolve(Path.of(from[1]).getFileName() == null ? "root" : Path.of(from[1]).getFileName().toString());
      }
      poc.runtime().copyFromContainer(from[0], from[1], target);
    }
    return 0;
  }

  /** {NAME, /path} for NAME:/path, else null (a host path). */
  private static String[] inside(String arg) {
    int colon = arg.indexOf(':');
    if (colon <= 0 || colon + 1 >= arg.length() || arg.charAt(colon + 1) != '/') {
      return null;
    }
    String name = arg.substring(0, colon);
    return name.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}") ? new String[] {name, arg.substring(colon + 1)} : null;
  }
}
