package io.j3fs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

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
}
