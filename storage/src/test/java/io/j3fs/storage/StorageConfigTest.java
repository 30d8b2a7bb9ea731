package io.j3fs.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.j3fs.common.config.TomlConfig;
import org.junit.jupiter.api.Test;

/** storage.toml: defaults, and errors that name the key and the problem. */
class StorageConfigTest {
  private static final String MINIMAL =
      "node_id = 101\nlisten = \"127.0.0.1:8101\"\nmgmtd = [\"127.0.0.1:9000\"]\n"
          + "target_paths = [\"/data/disk0\", \"/data/disk1\"]\n";

  private static StorageConfig parse(String text) {
    return TomlConfig.parse(text, StorageConfig.class, "storage.toml");
  }

  @Test
  void defaultsFollowTheDocumentation() {
    StorageConfig config = parse(MINIMAL);
    assertThat(config.fsync()).isEqualTo("none");
    assertThat(config.verifyReads()).isTrue();
    assertThat(config.advertise()).isEqualTo("127.0.0.1:8101");
    assertThat(config.heartbeatIntervalMs()).isEqualTo(10_000);
    assertThat(config.forwardTimeoutMs()).isEqualTo(60_000);
    assertThat(config.reserveBytes()).isEqualTo(64L << 20);
    assertThat(config.paths()).hasSize(2);
    assertThat(config.engineConfig().syncWrites()).isFalse();
  }

  @Test
  void badValuesNameTheirKey() {
    assertThatThrownBy(() -> parse(MINIMAL + "fsync = \"sometimes\"\n"))
        .hasMessageContaining("fsync must be \"none\" or \"always\"");
    assertThatThrownBy(() -> parse(MINIMAL + "heartbeat_interval_ms = 0\n"))
        .hasMessageContaining("heartbeat_interval_ms must be positive");
    assertThatThrownBy(() -> parse(MINIMAL + "target_pathz = []\n"))
        .hasMessageContaining("unknown key 'target_pathz'");
    assertThatThrownBy(
            () -> parse(MINIMAL.replace("mgmtd = [\"127.0.0.1:9000\"]", "mgmtd = [\"nowhere\"]")))
        .hasMessageContaining("mgmtd: endpoint must be host:port");
    assertThatThrownBy(() -> parse("node_id = 1\nlisten = \"127.0.0.1:1\"\nmgmtd = [\"a:1\"]\n"))
        .hasMessageContaining("target_paths is required");
  }
}
