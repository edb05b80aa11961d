package dev.poc.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Stack;
import picocli.CommandLine.IParameterConsumer;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/** The container's command: from its first word on, everything is its own ({@code ls -la} stays {@code ls -la}). */
final class RestOfLine implements IParameterConsumer {
  @Override
  public void consumeParameters(Stack<String> args, ArgSpec argSpec, CommandSpec commandSpec) {
    List<String> words = new ArrayList<>();
    while (!args.isEmpty()) {
      words.add(args.pop());
    }
    argSpec.setValue(words);
  }
}
