package io.j3fs.cli.admin;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Prints rows as an aligned text table, or as JSON (an array of objects) for scripts. */
final class Output {
  private final List<String> columns;
  private final List<List<String>> rows = new ArrayList<>();

  Output(String... columns) {
    this.columns = List.of(columns);
  }

  void row(Object... cells) {
    List<String> row = new ArrayList<>();
    for (Object cell : cells) {
      row.add(String.valueOf(cell));
    }
    rows.add(row);
  }

  void print(PrintStream out, boolean json) {
    if (json) {
      out.println(toJson());
      return;
    }
    int[] widths = new int[columns.size()];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = columns.get(i).length();
      for (List<String> row : rows) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < widths.length; i++) {
      line.append(String.format("%-" + (widths[i] + 2) + "s", columns.get(i)));
    }
    out.println(line.toString().stripTrailing());
    for (List<String> row : rows) {
      line.setLength(0);
      for (int i = 0; i < widths.length; i++) {
        line.append(String.format("%-" + (widths[i] + 2) + "s", row.get(i)));
      }
      out.println(line.toString().stripTrailing());
    }
  }

  String toJson() {
    StringBuilder json = new StringBuilder("[");
    for (int r = 0; r < rows.size(); r++) {
      Map<String, String> object = new LinkedHashMap<>();
      for (int i = 0; i < columns.size(); i++) {
        object.put(columns.get(i), rows.get(r).get(i));
      }
      json.append(r == 0 ? "" : ",").append("\n  {");
      int i = 0;
      for (Map.Entry<String, String> field : object.entrySet()) {
        json.append(i++ == 0 ? "" : ", ")
            .append(quote(field.getKey()))
            .append(": ")
            .append(quote(field.getValue()));
      }
      json.append("}");
    }
    return json.append(rows.isEmpty() ? "]" : "\n]").toString();
  }

  private static String quote(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
