package io.j3fs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
  @Test
  void versionNamesTheBuild() {
    CliRun run = CliRun.run("--version");
    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).startsWith("j3fs 0.").contains("JVM 25");
  }

  @Test
  void helpDescribesTheCommand() {
    CliRun run = CliRun.run("--help");
    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("Usage: j3fs").contains("--version").contains("j3fs bench");
  }

  @Test
  void unknownOptionsAreAUsageErrorWithExitCodeTwo() {
    CliRun run = CliRun.run("--no-such-option");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("Unknown option: '--no-such-option'");
  }

  @Test
  void aBadConfigIsOneLineNamingTheKeyWithExitCodeOne(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("meta.toml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "node_id = 1",
            "listen = \"127.0.0.1:1\"",
            "mgmtd = [\"127.0.0.1:2\"]",
            "no_such_key = 3",
            "[kv]",
            "engine = \"memory\"",
            ""));
    CliRun run = CliRun.run("meta", "--config", config.toString());
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).startsWith("j3fs meta: ").contains("no_such_key");
    assertThat(run.err()).doesNotContain("Exception").doesNotContain("\tat ");
  }
}
