package dev.poc.bench;

import java.util.ArrayList;
import java.util.List;

/** One scenario's part of the report: what was measured, the table, targets and notes. */
final class Section {
  private final String title;
  private final List<String> paragraphs = new ArrayList<>();
  private final List<MarkdownTable> tables = new ArrayList<>();
  private final List<Target> targets = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private final List<String> blocks = new ArrayList<>();

  Section(String title) {
    this.title = title;
  }

  String title() {
    return title;
  }

  Section paragraph(String text) {
    paragraphs.add(text);
    return this;
  }

  Section table(MarkdownTable table) {
    tables.add(table);
    return this;
  }

  Section target(Target t) {
    targets.add(t);
    return this;
  }

  Section note(String text) {
    notes.add(text);
    return this;
  }

  /** Verbatim text (a tool's output) after the notes, introduced by {@code lead}. */
  Section block(String lead, String text) {
    blocks.add(lead + "\n\n```\n" + text.strip() + "\n```\n\n");
    return this;
  }

  List<MarkdownTable> tables() {
    return tables;
  }

  List<Target> targets() {
    return targets;
  }

  String render() {
    StringBuilder sb = new StringBuilder("### ").append(title).append("\n\n");
    for (String p : paragraphs) {
      sb.append(p).append("\n\n");
    }
    for (MarkdownTable t : tables) {
      sb.append(t.render()).append('\n');
    }
    if (!targets.isEmpty()) {
      sb.append("Targets:\n");
      for (Target t : targets) {
        sb.append("- ").append(t.render()).append('\n');
      }
      sb.append('\n');
    }
    for (String n : notes) {
      sb.append("- ").append(n).append('\n');
    }
    if (!notes.isEmpty()) {
      sb.append('\n');
    }
    blocks.forEach(sb::append);
    return sb.toString();
  }
}
