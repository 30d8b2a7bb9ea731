package io.j3fs.cli.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.common.config.TomlConfig;
import io.j3fs.fuse.FuseConfig;
import io.j3fs.meta.MetaConfig;
import io.j3fs.mgmtd.MgmtdConfig;
import io.j3fs.storage.StorageConfig;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md against the code: each service's table lists exactly the keys its config
 * record reads, and every default written there as a plain value is the default the record applies
 * to a file that sets only the required keys.
 */
class ConfigDocTest {
  private static final Pattern ROW = Pattern.compile("^\\| `([a-z_]+)` \\| ([^|]+) \\|");

  private static Map<String, String> table(String doc, String heading) {
    Map<String, String> rows = new LinkedHashMap<>();
    boolean in = false;
    for (String line : doc.split("\n")) {
      if (line.startsWith("## ")) {
        in = line.startsWith(heading);
        continue;
      }
      Matcher m = ROW.matcher(line);
      if (in && m.find()) {
        rows.put(m.group(1), m.group(2).trim());
      }
    }
    return rows;
  }

  private static String camel(String snake) {
    StringBuilder out = new StringBuilder();
    boolean upper = false;
    for (char c : snake.toCharArray()) {
      if (c == '_') {
        upper = true;
      } else {
        out.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return out.toString();
  }

  private static String snake(String camel) {
    return camel.replaceAll("([A-Z])", "_$1").toLowerCase();
  }

  private static void check(
      String doc, String heading, Class<? extends Record> type, String minimal) throws Exception {
    Map<String, String> rows = table(doc, heading);
    TreeSet<String> keys = new TreeSet<>();
    for (RecordComponent c : type.getRecordComponents()) {
      if (!c.getName().equals("kv")) {
        keys.add(snake(c.getName()));
      }
    }
    assertThat(new TreeSet<>(rows.keySet())).as(heading + " keys").isEqualTo(keys);
    Object config = TomlConfig.parse(minimal, type, "minimal");
    for (RecordComponent c : type.getRecordComponents()) {
      String documented = rows.get(snake(c.getName()));
      if (documented == null || !documented.matches("-?[0-9]+|true|false|`[a-z]+`")) {
        continue;
      }
      String expected = documented.replace("`", "");
      if (rows.containsKey(expected)) {
        // "the same as that key" (advertise defaults to listen)
        expected = String.valueOf(type.getMethod(camel(expected)).invoke(config));
      }
      assertThat(String.valueOf(c.getAccessor().invoke(config)))
          .as("%s: default of %s", heading, snake(c.getName()))
          .isEqualTo(expected);
    }
  }

  @Test
  void everyDocumentedKeyAndDefaultMatchesTheCode() throws Exception {
    String doc = Files.readString(Path.of("..", "docs", "configuration.md"));
    check(
        doc,
        "## mgmtd",
        MgmtdConfig.class,
        String.join(
            "\n", "node_id = 1", "listen = \"127.0.0.1:1\"", "[kv]", "engine = \"memory\"", ""));
    check(
        doc,
        "## storage",
        StorageConfig.class,
        String.join(
            "\n",
            "node_id = 1",
            "listen = \"127.0.0.1:1\"",
            "mgmtd = [\"127.0.0.1:2\"]",
            "target_paths = [\"/tmp/x\"]",
            ""));
    check(
        doc,
        "## meta",
        MetaConfig.class,
        String.join(
            "\n",
            "node_id = 1",
            "listen = \"127.0.0.1:1\"",
            "mgmtd = [\"127.0.0.1:2\"]",
            "[kv]",
            "engine = \"memory\"",
            ""));
    check(doc, "## fuse", FuseConfig.class, "mgmtd = [\"127.0.0.1:2\"]\n");
  }
}
