package io.j3fs.kv.memory;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.common.time.ManualClock;
import io.j3fs.kv.ReadTransaction;
import io.j3fs.kv.Transaction;
import org.junit.jupiter.api.Test;

/**
 * What is particular to the memory engine: the conflict window, pruning of old versions, and
 * closing.
 */
class MemoryKvEngineTest {
  private final ManualClock clock = new ManualClock();

  private static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  private static void put(MemoryKvEngine engine, String key, String value) {
    engine.run(
        tx -> {
          tx.set(b(key), b(value));
          return null;
        });
  }

  @Test
  void transactionsOlderThanTheWindowFailAsTooOld() {
    MemoryKvEngine engine =
        new MemoryKvEngine(clock, new MemoryKvEngine.Config(5_000, 1_000, 1 << 20));
    put(engine, "k", "0");
    Transaction old = engine.begin();
    old.get(b("k"));
    put(engine, "k", "changed"); // a commit the old transaction must be checked against
    clock.advanceMillis(6_000);
    put(engine, "other", "x"); // trims that commit out of the window
    old.set(b("k"), b("1"));
    assertThatThrownBy(old::commit)
        .isInstanceOfSatisfying(
            StatusException.class,
            e -> assertThat(e.code()).isEqualTo(StatusCode.TRANSACTION_TOO_OLD));
  }

  @Test
  void historyIsBoundedByEntryCount() {
    MemoryKvEngine engine =
        new MemoryKvEngine(clock, new MemoryKvEngine.Config(60_000, 10, 1 << 20));
    Transaction old = engine.begin();
    old.get(b("k"));
    for (int i = 0; i < 20; i++) {
      put(engine, "x" + i, "v");
    }
    old.set(b("k"), b("1"));
    assertThatThrownBy(old::commit)
        .isInstanceOfSatisfying(
            StatusException.class,
            e -> assertThat(e.code()).isEqualTo(StatusCode.TRANSACTION_TOO_OLD));
  }

  @Test
  void oldVersionsArePrunedAndOldReadersFailRatherThanSeeWrongData() {
    MemoryKvEngine engine =
        new MemoryKvEngine(clock, new MemoryKvEngine.Config(1_000, 1_000, 1 << 20));
    put(engine, "k", "v1");
    ReadTransaction reader = engine.beginRead();
    assertThat(new String(reader.get(b("k")), UTF_8)).isEqualTo("v1");
    put(engine, "k", "v2");
    clock.advanceMillis(2_000);
    put(engine, "k", "v3"); // trims history, moves the horizon past the reader, prunes v1
    assertThatThrownBy(() -> reader.get(b("k")))
        .isInstanceOfSatisfying(
            StatusException.class,
            e -> assertThat(e.code()).isEqualTo(StatusCode.TRANSACTION_TOO_OLD));
    String latest = engine.read(tx -> new String(tx.get(b("k")), UTF_8));
    assertThat(latest).isEqualTo("v3");
  }

  @Test
  void deletedKeysAreEventuallyForgotten() {
    MemoryKvEngine engine =
        new MemoryKvEngine(clock, new MemoryKvEngine.Config(1_000, 1_000, 1 << 20));
    for (int i = 0; i < 100; i++) {
      put(engine, "d" + i, "v");
    }
    engine.run(
        tx -> {
          tx.clearRange(b("d"), b("e"));
          return null;
        });
    clock.advanceMillis(2_000);
    for (int i = 0; i < 600; i++) {
      put(engine, "live", Integer.toString(i));
    }
    assertThat(engine.keyCountIncludingTombstones()).isEqualTo(1);
  }

  @Test
  void closedEngineRefusesNewTransactions() {
    MemoryKvEngine engine = new MemoryKvEngine();
    engine.close();
    assertThatThrownBy(engine::begin)
        .isInstanceOfSatisfying(
            StatusException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE));
  }
}
