package dev.poc.bench;

import java.util.ArrayList;
import java.util.List;

/** A GitHub-flavoured Markdown table, padded so that it also reads well as plain text. */
final class MarkdownTable {
  private final List<String> headers;
  private final boolean[] rightAligned;
  private final List<List<String>> rows = new ArrayList<>();

  /** Headers; a header starting with '>' is right-aligned (numbers), the '>' is not shown. */
  MarkdownTable(String... headers) {
    this.headers = new ArrayList<>();
    this.rightAligned = new boolean[headers.length];
    for (int i = 0; i < headers.length; i++) {
      rightAligned[i] = headers[i].startsWith(">");
      this.headers.add(rightAligned[i] ? headers[i].substring(1) : headers[i]);
    }
  }

  MarkdownTable row(String... cells) {
    if (cells.length != headers.size()) {
      throw new IllegalArgumentException("a row of " + cells.length + " cells in a table of " + headers.size() + " columns");
    }
    List<String> row = new ArrayList<>();
    for (String c : cells) {
      row.add(c.replace("|", "\\|").replace("\n", " "));
    }
    rows.add(row);
    return this;
  }

  /** The first cell of each row, in order. */
  List<String> rowNames() {
    return rows.stream().map(r -> r.get(0)).toList();
  }

  String render() {
    int[] width = new int[headers.size()];
    for (int i = 0; i < width.length; i++) {
      width[i] = Math.max(3, headers.get(i).length());
      for (List<String> r : rows) {
        width[i] = Math.max(width[i], r.get(i).length());
      }
    }
    StringBuilder sb = new StringBuilder();
    line(sb, headers, width);
    sb.append('|');
    for (int i = 0; i < width.length; i++) {
      sb.append(' ').append("-".repeat(width[i] - (rightAligned[i] ? 1 : 0))).append(rightAligned[i] ? ":" : "").append(" |");
    }
    sb.append('\n');
    for (List<String> r : rows) {
      line(sb, r, width);
    }
    return sb.toString();
  }

  private void line(StringBuilder sb, List<String> cells, int[] width) {
    sb.append('|');
    for (int i = 0; i < width.length; i++) {
      String c = cells.get(i);
      String pad = " ".repeat(width[i] - c.length());
      sb.append(' ').append(rightAligned[i] ? pad + c : c + pad).append(" |");
    }
    sb.append('\n');
  }
}
