package io.j3fs.kv.rocksdb;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.common.time.ManualClock;
import io.j3fs.kv.KeyValue;
import io.j3fs.kv.ReadTransaction;
import io.j3fs.kv.Transaction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What is particular to the RocksDB engine: persistence across reopen, transaction age, closing.
 */
class RocksDbKvEngineTest {
  @TempDir Path dir;

  private static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  @Test
  void committedDataSurvivesCloseAndReopen() {
    for (RocksDbKvConfig.Durability durability : RocksDbKvConfig.Durability.values()) {
      RocksDbKvConfig config =
          RocksDbKvConfig.at(dir.resolve("db-" + durability)).withDurability(durability);
      try (RocksDbKvEngine engine = new RocksDbKvEngine(config)) {
        engine.run(
            tx -> {
              tx.set(b("a"), b("1"));
              tx.set(b("b"), b("2"));
              tx.set(b("c"), b("3"));
              return null;
            });
        engine.run(
            tx -> {
              tx.clearRange(b("b"), b("c"));
              return null;
            });
      }
      try (RocksDbKvEngine engine = new RocksDbKvEngine(config)) {
        List<KeyValue> all = engine.read(tx -> tx.getRange(b("a"), b("z")).toList());
        assertThat(all).extracting(kv -> new String(kv.key(), UTF_8)).containsExactly("a", "c");
      }
    }
  }

  @Test
  void readsOfAnOldTransactionFailAsTooOld() {
    ManualClock clock = new ManualClock();
    try (RocksDbKvEngine engine =
        new RocksDbKvEngine(RocksDbKvConfig.at(dir.resolve("db")), clock)) {
      Transaction tx = engine.begin();
      tx.get(b("a"));
      clock.advanceMillis(6_000);
      assertThatThrownBy(() -> tx.get(b("a")))
          .isInstanceOfSatisfying(
              StatusException.class,
              e -> assertThat(e.code()).isEqualTo(StatusCode.TRANSACTION_TOO_OLD));
      tx.close();
    }
  }

  @Test
  void closingTheEngineFailsOpenTransactionsCleanly() {
    RocksDbKvEngine engine = new RocksDbKvEngine(RocksDbKvConfig.at(dir.resolve("db")));
    engine.run(
        tx -> {
          tx.set(b("a"), b("1"));
          return null;
        });
    ReadTransaction reader = engine.beginRead();
    engine.close();
    assertThatThrownBy(() -> reader.get(b("a")))
        .isInstanceOfSatisfying(
            StatusException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE));
    reader.close();
    assertThatThrownBy(engine::begin)
        .isInstanceOfSatisfying(
            StatusException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE));
  }

  @Test
  void anUnusableDirectoryIsAClearError() throws Exception {
    Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
    assertThatThrownBy(() -> new RocksDbKvEngine(RocksDbKvConfig.at(file.resolve("db"))))
        .isInstanceOfSatisfying(
            StatusException.class,
            e -> {
              assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE);
              assertThat(e.getMessage()).contains("not-a-dir");
            });
  }
}
