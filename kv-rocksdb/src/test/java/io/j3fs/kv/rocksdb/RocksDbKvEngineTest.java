package io.j3fs.kv.rocksdb;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.common.time.ManualClock;
import io.j3fs.kv.KeyValue;
import io.j3fs.kv.KvEngine;
import io.j3fs.kv.ReadTransaction;
import io.j3fs.kv.Transaction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.PerfLevel;
import org.rocksdb.RocksDB;

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

  /**
   * A range read must not walk the tombstones of deleted keys beyond its range (a queue of removed
   * records made every scan of a neighbouring range skip all of them until compaction).
   */
  @Test
  void rangeReadsDoNotWalkTombstonesOutsideTheirRange() {
    try (RocksDbKvEngine engine = new RocksDbKvEngine(RocksDbKvConfig.at(dir.resolve("db")))) {
      int deleted = 5_000;
      engine.run(
          tx -> {
            tx.set(b("a/live"), b("1"));
            for (int i = 0; i < deleted; i++) {
              tx.set(b(String.format("b/%05d", i)), b("x"));
            }
            tx.set(b("c/live"), b("2"));
            return null;
          });
      engine.run(
          tx -> {
            for (int i = 0; i < deleted; i++) {
              tx.clear(b(String.format("b/%05d", i))); // point deletes, as records are removed
            }
            return null;
          });
      RocksDB db = engine.database();
      db.setPerfLevel(PerfLevel.ENABLE_COUNT); // thread-local: reads below run on this thread
      try {
        for (boolean reverse : new boolean[] {false, true}) {
          // Ranges just before and just after the tombstones, and one inside them that holds a
          // single tombstone.
          byte[][][] ranges = {{b("a/"), b("b/")}, {b("b0"), b("d")}, {b("b/00100"), b("b/00101")}};
          List<List<String>> expected = List.of(List.of("a/live"), List.of("c/live"), List.of());
          for (int r = 0; r < ranges.length; r++) {
            byte[][] range = ranges[r];
            db.getPerfContext().reset();
            List<String> keys =
                engine.read(
                    tx ->
                        tx.getRange(range[0], range[1], 0, reverse).toList().stream()
                            .map(kv -> new String(kv.key(), UTF_8))
                            .toList());
            long skipped = db.getPerfContext().getInternalDeleteSkippedCount();
            assertThat(keys).isEqualTo(expected.get(r));
            assertThat(skipped)
                .as(
                    "tombstones skipped reading [%s, %s) reverse=%s",
                    new String(range[0], UTF_8), new String(range[1], UTF_8), reverse)
                .isLessThan(20);
          }
        }
      } finally {
        db.setPerfLevel(PerfLevel.DISABLE);
      }
    }
  }

  /**
   * WAL files are reused once obsolete (cheaper syncs, see the engine's options). A recycled file
   * keeps its old length, which a new one would not have: after a large commit and two flushes, the
   * live WAL holds one small commit but is as long as the large one. What was committed survives a
   * reopen.
   */
  @Test
  void obsoleteWalFilesAreReused() throws Exception {
    Path at = dir.resolve("db");
    int largeBytes = 2 << 20;
    try (RocksDbKvEngine engine = new RocksDbKvEngine(RocksDbKvConfig.at(at))) {
      byte[] value = new byte[64 << 10];
      engine.run(
          tx -> {
            for (int i = 0; i < largeBytes / value.length; i++) {
              tx.set(b(String.format("big/%03d", i)), value);
            }
            return null;
          });
      flush(engine); // the large commit's WAL is obsolete once this flush is done
      engine.run(
          tx -> {
            tx.set(b("small/1"), b("1"));
            return null;
          });
      flush(engine); // the next log reuses the obsolete file
      engine.run(
          tx -> {
            tx.set(b("small/2"), b("2"));
            return null;
          });
      long longest = 0;
      try (var files = java.nio.file.Files.list(at)) {
        for (Path p : (Iterable<Path>) files::iterator) {
          if (p.getFileName().toString().endsWith(".log")) {
            longest = Math.max(longest, java.nio.file.Files.size(p));
          }
        }
      }
      assertThat(longest).as("the live WAL's length (a reused file)").isGreaterThan(largeBytes / 2);
    }
    try (RocksDbKvEngine engine = new RocksDbKvEngine(RocksDbKvConfig.at(at))) {
      byte[] small = engine.read(tx -> tx.get(b("small/2")));
      int big = engine.read(tx -> tx.getRange(b("big/"), b("big0"), 0, false).toList().size());
      assertThat(small).isEqualTo(b("2"));
      assertThat(big).isEqualTo(largeBytes / (64 << 10));
    }
  }

  /**
   * Point reads of table files are cached (the row cache), and a cached value never hides a newer
   * one or shows a snapshot something it did not hold.
   */
  @Test
  void pointReadsAreCachedAndStayCorrect() throws Exception {
    try (RocksDbKvEngine engine = new RocksDbKvEngine(RocksDbKvConfig.at(dir.resolve("db")))) {
      engine.run(
          tx -> {
            tx.set(b("k"), b("v1"));
            return null;
          });
      flush(engine);
      assertThat(engine.rowCacheUsageBytes()).isZero();
      assertThat(read(engine, "k")).isEqualTo("v1");
      assertThat(engine.rowCacheUsageBytes()).as("the read's result is cached").isPositive();
      ReadTransaction old = engine.beginRead();
      assertThat(old.get(b("k"))).isEqualTo(b("v1"));
      engine.run(
          tx -> {
            tx.set(b("k"), b("v2"));
            return null;
          });
      assertThat(read(engine, "k")).as("from the memtable").isEqualTo("v2");
      flush(engine);
      assertThat(read(engine, "k")).as("from the newer file").isEqualTo("v2");
      assertThat(read(engine, "k")).isEqualTo("v2");
      assertThat(old.get(b("k"))).as("the older snapshot").isEqualTo(b("v1"));
      old.close();
      // Cached keys cleared, one by itself and one by a range: neither is read again.
      engine.run(
          tx -> {
            tx.set(b("r1"), b("x"));
            tx.set(b("r2"), b("y"));
            return null;
          });
      flush(engine);
      assertThat(read(engine, "r1")).isEqualTo("x");
      assertThat(read(engine, "r2")).isEqualTo("y");
      engine.run(
          tx -> {
            tx.clear(b("k"));
            tx.clearRange(b("r"), b("s"));
            tx.set(b("r2"), b("z")); // written after the range clear in the same commit: kept
            return null;
          });
      flush(engine);
      assertThat(read(engine, "k")).isNull();
      assertThat(read(engine, "r1")).isNull();
      assertThat(read(engine, "r2")).isEqualTo("z");
    }
  }

  private static String read(RocksDbKvEngine engine, String key) {
    byte[] value = engine.read(tx -> tx.get(b(key)));
    return value == null ? null : new String(value, UTF_8);
  }

  private static void flush(RocksDbKvEngine engine) throws org.rocksdb.RocksDBException {
    try (org.rocksdb.FlushOptions flush = new org.rocksdb.FlushOptions().setWaitForFlush(true)) {
      engine.database().flush(flush);
    }
  }

  /**
   * Deferred commits are made durable by the WAL syncer, taking turns with committers that sync
   * themselves, and closing answers every one still waiting (the futures are what this checks: a
   * reopen without a machine crash finds every commit whether synced or not, so the last check only
   * shows that nothing was lost in the shuffle).
   */
  @Test
  void deferredCommitsBecomeDurableBesideWaitingOnesAndCloseAnswersTheRest() throws Exception {
    RocksDbKvConfig config = RocksDbKvConfig.at(dir.resolve("deferred"));
    assertThat(config.durability()).isEqualTo(RocksDbKvConfig.Durability.FSYNC);
    int perThread = 300;
    List<CompletableFuture<Void>> left = java.util.Collections.synchronizedList(new ArrayList<>());
    try (RocksDbKvEngine engine = new RocksDbKvEngine(config)) {
      KvEngine.Deferred<String> one =
          engine.runOnceDeferred(
              tx -> {
                tx.set(b("one"), b("1"));
                return "done";
              });
      assertThat(one.value()).isEqualTo("done");
      one.durable().get(10, TimeUnit.SECONDS);
      assertThat(engine.syncedVersion()).as("synced past it").isGreaterThanOrEqualTo(1);

      try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
        List<java.util.concurrent.Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          int thread = t;
          done.add(
              pool.submit(
                  () -> {
                    for (int i = 0; i < perThread; i++) {
                      byte[] key = b("k" + thread + "-" + i);
                      if (thread < 2) { // waits for its own fsync, as a handler thread does
                        engine.run(
                            tx -> {
                              tx.set(key, b("v"));
                              return null;
                            });
                      } else {
                        KvEngine.Deferred<Void> d =
                            engine.runOnceDeferred(
                                tx -> {
                                  tx.set(key, b("v"));
                                  return null;
                                });
                        if (thread == 2) {
                          d.durable().join();
                        } else {
                          left.add(d.durable()); // not waited for: close answers it
                        }
                      }
                    }
                    return null;
                  }));
        }
        for (var f : done) {
          f.get(60, TimeUnit.SECONDS);
        }
      }
    }
    assertThat(left).hasSize(perThread);
    assertThat(left).allSatisfy(f -> assertThat(f).isCompleted());
    try (RocksDbKvEngine engine = new RocksDbKvEngine(config)) {
      List<KeyValue> keys = engine.read(tx -> tx.getRange(b("k"), b("l")).toList());
      assertThat(keys).hasSize(4 * perThread);
    }
  }
}
