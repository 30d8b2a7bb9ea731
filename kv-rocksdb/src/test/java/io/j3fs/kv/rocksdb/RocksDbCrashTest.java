package io.j3fs.kv.rocksdb;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.kv.KeyValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Kills (SIGKILL) a JVM that holds the RocksDB engine in the middle of a commit loop, reopens the
 * database and checks that every commit the child acknowledged is there, and that commits are
 * all-or-nothing.
 */
class RocksDbCrashTest {
  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(RocksDbKvConfig.Durability.class)
  void everyAcknowledgedCommitSurvivesKillNine(RocksDbKvConfig.Durability durability)
      throws Exception {
    for (int round = 0; round < 3; round++) {
      long acknowledged = runAndKill(durability, 300 + 700L * round);
      try (RocksDbKvEngine engine =
          new RocksDbKvEngine(RocksDbKvConfig.at(dir.resolve("db")).withDurability(durability))) {
        long counter =
            engine.read(tx -> Long.parseLong(new String(tx.get("counter".getBytes(UTF_8)), UTF_8)));
        List<KeyValue> commits =
            engine.read(
                tx -> tx.getRange("commit/".getBytes(UTF_8), "commit0".getBytes(UTF_8)).toList());
        assertThat(counter)
            .as("round %d: counter vs acknowledged", round)
            .isGreaterThanOrEqualTo(acknowledged);
        // All or nothing: exactly commits 1..counter exist, each with its payload.
        assertThat(commits).hasSize((int) counter);
        for (int i = 0; i < commits.size(); i++) {
          assertThat(new String(commits.get(i).value(), UTF_8)).isEqualTo("payload-" + (i + 1));
        }
      }
    }
  }

  /**
   * Starts the workload (continuing where the database is), waits for some acks, kills it; returns
   * the last ack.
   */
  private long runAndKill(RocksDbKvConfig.Durability durability, long extraAcks) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Path output = Files.createTempFile(dir, "child", ".out");
    Process child =
        new ProcessBuilder(
                java,
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                CrashWorkload.class.getName(),
                dir.resolve("db").toString(),
                durability.name())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      long firstAck = -1;
      while (System.nanoTime() < deadline && child.isAlive()) {
        long last = lastAck(output);
        if (firstAck < 0 && last > 0) {
          firstAck = last;
        }
        if (firstAck > 0 && last - firstAck >= extraAcks) {
          break;
        }
        Thread.sleep(5);
      }
      assertThat(child.isAlive())
          .as("child still running; its output: %s", Files.readString(output))
          .isTrue();
      assertThat(firstAck).as("child produced acks").isPositive();
      child.destroyForcibly(); // SIGKILL mid-workload: the child commits as fast as it can
    } finally {
      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    // Acks printed before the kill landed count too: the file holds everything the child wrote.
    return lastAck(output);
  }

  private static long lastAck(Path output) throws Exception {
    long last = 0;
    for (String line : Files.readAllLines(output, UTF_8)) {
      if (line.startsWith("ACK ")) {
        last = Long.parseLong(line.substring(4).trim());
      }
    }
    return last;
  }
}
