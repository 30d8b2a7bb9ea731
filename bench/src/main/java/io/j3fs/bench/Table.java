package io.j3fs.bench;

import java.util.ArrayList;
import java.util.List;

/** A Markdown table, printed so it can be pasted into docs/benchmarks.md as it is. */
public final class Table {
  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  public Table(String... header) {
    this.header = List.of(header);
  }

  public void add(String... cells) {
    rows.add(List.of(cells));
  }

  /** The rows as a JSON array of objects keyed by the header (cells stay strings). */
  public String json() {
    StringBuilder out = new StringBuilder("[");
    for (int r = 0; r < rows.size(); r++) {
      out.append(r == 0 ? "\n  {" : ",\n  {");
      for (int c = 0; c < header.size(); c++) {
        out.append(c == 0 ? "" : ", ")
            .append(quote(header.get(c)))
            .append(": ")
            .append(quote(rows.get(r).get(c)));
      }
      out.append("}");
    }
    return out.append("\n]").toString();
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  public String render() {
    int[] widths = new int[header.size()];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = header.get(i).length();
      for (List<String> row : rows) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    StringBuilder out = new StringBuilder();
    line(out, header, widths);
    List<String> rule = new ArrayList<>();
    for (int width : widths) {
      rule.add("-".repeat(width));
    }
    line(out, rule, widths);
    for (List<String> row : rows) {
      line(out, row, widths);
    }
    return out.toString();
  }

  private static void line(StringBuilder out, List<String> cells, int[] widths) {
    out.append('|');
    for (int i = 0; i < widths.length; i++) {
      String cell = cells.get(i);
      boolean numeric = cell.matches("-?[0-9][0-9,.]*");
      String pad = " ".repeat(widths[i] - cell.length());
      out.append(' ').append(numeric ? pad + cell : cell + pad).append(" |");
    }
    out.append('\n');
  }

  /** 1234567.8 as "1,234,568". */
  public static String count(double value) {
    return String.format("%,.0f", value);
  }
}
