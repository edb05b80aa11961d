package dev.poc.cli;

import dev.poc.CommandNotFoundException;
import dev.poc.InvalidSpecException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/** How the CLI reports what went wrong: one line that says what and what to type instead. */
final class Errors {
  private Errors() {}

  /** A usage error: the message, the command's synopsis and example, exit 2. */
  static final class Usage implements IParameterExceptionHandler {
    @Override
    public int handleParseException(ParameterException ex, String[] args) {
      CommandLine cmd = ex.getCommandLine();
      PrintWriter err = cmd.getErr();
      String unknown = unknownCommand(ex);
      err.println("poc: " + (unknown != null ? unknown : ex.getMessage()));
      if (unknown == null && !UnmatchedArgumentException.printSuggestions(ex, err)) {
        err.print("Usage: " + cmd.getHelp().synopsis(0));
        String example = Examples.of(cmd);
        if (!example.isEmpty()) {
          err.println("Example: " + example);
        }
      }
      String path = cmd.getCommandSpec().qualifiedName(" ");
      err.println("See '" + (path.equals("poc") ? "poc help" : "poc help " + path.substring(4)) + "'.");
      err.flush();
      return Poc.USAGE;
    }
  }

  /** For {@code poc rnu}: names the closest command and lists them all; null for other errors. */
  private static String unknownCommand(ParameterException ex) {
    CommandLine cmd = ex.getCommandLine();
    if (!(ex instanceof UnmatchedArgumentException u) || cmd.getParent() != null || u.getUnmatched().isEmpty()
        || u.getUnmatched().get(0).startsWith("-")) {
      return null;
    }
    String word = u.getUnmatched().get(0);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String name : cmd.getSubcommands().keySet()) {
      int d = distance(word, name);
      if (d < bestDistance) {
        best = name;
        bestDistance = d;
      }
    }
    String all = String.join(", ", cmd.getSubcommands().keySet());
    return "'" + word + "' is not a poc command" + (bestDistance <= 2 ? ": did you mean 'poc " + best + "'?" : "")
        + " (commands: " + all + ")";
  }

  /** Edit distance, transpositions counting one (rnu -> run). */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      for (int j = 0; j <= b.length(); j++) {
        if (i == 0 || j == 0) {
          d[i][j] = i + j;
          continue;
        }
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }

  /** An error while running: poc's own errors already say what to do; exit 125. */
  static final class Failure implements IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parsed) {
      return Failures.report(cmd.getCommandName(), ex, cmd.getErr());
    }
  }

  /**
   * Runs {@code action}, which builds a container or exec spec from the command line: a spec the
   * runtime refuses ({@link InvalidSpecException}) is a usage error (exit 2) for run and exec alike.
   */
  static <T> T badSpecIsUsage(CommandLine cmd, java.util.function.Supplier<T> action) {
    try {
      return action.get();
    } catch (InvalidSpecException e) {
      throw usage(cmd, e.getMessage());
    }
  }

  /** A wrong word in a valid position (e.g. a misspelled mode): a usage error that names the fix. */
  static ParameterException usage(CommandLine cmd, String message) {
    return new ParameterException(cmd, message);
  }
}
