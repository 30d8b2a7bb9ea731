package io.j3fs.kv.conformance;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.j3fs.common.bytes.ByteKeys;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.kv.IsolationModel;
import io.j3fs.kv.KeyValue;
import io.j3fs.kv.KvEngine;
import io.j3fs.kv.KvLimits;
import io.j3fs.kv.RangeIterator;
import io.j3fs.kv.ReadTransaction;
import io.j3fs.kv.Transaction;
import io.j3fs.kv.TxOptions;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every KV engine meets, run unchanged against each engine by a subclass that says how
 * to open a fresh, empty engine. Interleavings are driven step by step from one thread, so every
 * outcome is deterministic.
 */
public abstract class KvEngineConformanceTest {
  protected KvEngine engine;

  /** A fresh engine with no keys. */
  protected abstract KvEngine openEmptyEngine() throws Exception;

  /** Called after each test; engines that share a server override it to drop their data. */
  protected void closeEngine(KvEngine engine) throws Exception {
    engine.close();
  }

  @BeforeEach
  void open() throws Exception {
    engine = openEmptyEngine();
  }

  @AfterEach
  void close() throws Exception {
    closeEngine(engine);
  }

  protected static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  protected static String s(byte[] bytes) {
    return bytes == null ? null : new String(bytes, UTF_8);
  }

  protected void put(String key, String value) {
    engine.run(
        tx -> {
          tx.set(b(key), b(value));
          return null;
        });
  }

  protected String read(String key) {
    return engine.read(tx -> s(tx.get(b(key))));
  }

  protected List<String> scanKeys(String begin, String end) {
    return engine.read(tx -> keys(tx.getRange(b(begin), b(end)).toList()));
  }

  private static List<String> keys(List<KeyValue> kvs) {
    return kvs.stream().map(kv -> s(kv.key())).toList();
  }

  // ---- ordering and ranges ----

  @Test
  void keysComeBackInUnsignedLexicographicOrder() {
    List<byte[]> keys =
        List.of(
            new byte[] {0x01},
            new byte[] {0x01, 0x00},
            new byte[] {0x01, (byte) 0x80},
            new byte[] {0x02},
            new byte[] {0x7f, (byte) 0xff},
            new byte[] {(byte) 0x80},
            new byte[] {(byte) 0xfe, 0x01});
    List<byte[]> shuffled = new ArrayList<>(keys);
    java.util.Collections.shuffle(shuffled, new Random(7));
    engine.run(
        tx -> {
          for (byte[] key : shuffled) {
            tx.set(key, key);
          }
          return null;
        });
    List<KeyValue> all =
        engine.read(tx -> tx.getRange(new byte[0], new byte[] {(byte) 0xff}).toList());
    assertThat(all).extracting(KeyValue::key).containsExactlyElementsOf(keys);
    List<KeyValue> reversed =
        engine.read(tx -> tx.getRange(new byte[0], new byte[] {(byte) 0xff}, 0, true).toList());
    assertThat(reversed).extracting(KeyValue::key).containsExactlyElementsOf(keys.reversed());
  }

  @Test
  void rangeBoundsLimitsAndReverse() {
    for (char c = 'a'; c <= 'j'; c++) {
      put("k" + c, "v" + c);
    }
    engine.read(
        tx -> {
          assertThat(keys(tx.getRange(b("kc"), b("kf")).toList()))
              .containsExactly("kc", "kd", "ke");
          assertThat(keys(tx.getRange(b("kc"), b("kf"), 2, false).toList()))
              .containsExactly("kc", "kd");
          assertThat(keys(tx.getRange(b("kc"), b("kf"), 2, true).toList()))
              .containsExactly("ke", "kd");
          assertThat(keys(tx.getRange(b("kc"), b("kf"), 0, true).toList()))
              .containsExactly("ke", "kd", "kc");
          assertThat(keys(tx.getRange(b("kb1"), b("kc1")).toList())).containsExactly("kc");
          assertThat(tx.getRange(b("kf"), b("kc")).toList()).isEmpty();
          assertThat(tx.getRange(b("kc"), b("kc")).toList()).isEmpty();
          assertThat(tx.getRange(b("z"), b("zz")).toList()).isEmpty();
          assertThat(keys(tx.getRange(new byte[0], b("kb")).toList())).containsExactly("ka");
          return null;
        });
    assertThatThrownBy(() -> engine.read(tx -> tx.getRange(b("a"), b("b"), -1, false)))
        .isInstanceOf(StatusException.class)
        .hasMessageContaining("limit");
  }

  @Test
  void largeRangesStreamInBatches() {
    int count = 6_000;
    engine.run(
        tx -> {
          for (int i = 0; i < count; i++) {
            tx.set(key(i), ByteBuffer.allocate(4).putInt(i).array());
          }
          return null;
        });
    engine.read(
        tx -> {
          RangeIterator it = tx.getRange(key(0), key(count));
          int expected = 0;
          while (it.hasNext()) {
            assertThat(it.next().key()).isEqualTo(key(expected++));
          }
          assertThat(expected).isEqualTo(count);
          RangeIterator back = tx.getRange(key(0), key(count), 0, true);
          int expectedBack = count;
          while (back.hasNext()) {
            assertThat(back.next().key()).isEqualTo(key(--expectedBack));
          }
          assertThat(expectedBack).isZero();
          assertThat(tx.getRange(key(0), key(count), 4_500, false).toList()).hasSize(4_500);
          return null;
        });
  }

  private static byte[] key(int i) {
    return String.format("n%08d", i).getBytes(UTF_8);
  }

  // ---- read-your-writes ----

  @Test
  void readsSeeTheTransactionsOwnWrites() {
    put("a", "1");
    put("b", "2");
    put("c", "3");
    put("d", "4");
    try (Transaction tx = engine.begin()) {
      tx.set(b("a"), b("10"));
      tx.clear(b("b"));
      tx.set(b("bb"), b("new"));
      assertThat(s(tx.get(b("a")))).isEqualTo("10");
      assertThat(tx.get(b("b"))).isNull();
      assertThat(keys(tx.getRange(b("a"), b("z")).toList())).containsExactly("a", "bb", "c", "d");
      tx.clearRange(b("bb"), b("d"));
      assertThat(keys(tx.getRange(b("a"), b("z")).toList())).containsExactly("a", "d");
      tx.set(b("c"), b("back"));
      assertThat(keys(tx.getRange(b("a"), b("z")).toList())).containsExactly("a", "c", "d");
      assertThat(keys(tx.getRange(b("a"), b("z"), 2, true).toList())).containsExactly("d", "c");
      assertThat(s(tx.snapshot().get(b("c")))).isEqualTo("back");
      tx.commit();
    }
    engine.read(
        tx -> {
          assertThat(keys(tx.getRange(b("a"), b("z")).toList())).containsExactly("a", "c", "d");
          assertThat(s(tx.get(b("c")))).isEqualTo("back");
          return null;
        });
  }

  @Test
  void writesMadeWhileIteratingDoNotDisturbTheIterator() {
    for (int i = 0; i < 50; i++) {
      put("it" + (char) ('a' + i % 26) + i, "v");
    }
    engine.run(
        tx -> {
          RangeIterator it = tx.getRange(b("it"), b("iu"));
          int seen = 0;
          while (it.hasNext()) {
            tx.clear(it.next().key());
            seen++;
          }
          assertThat(seen).isEqualTo(50);
          return null;
        });
    assertThat(scanKeys("it", "iu")).isEmpty();
  }

  @Test
  void clearRangeRemovesExactlyTheRange() {
    for (String k : List.of("a", "b", "ba", "bz", "c", "ca", "d")) {
      put(k, k);
    }
    engine.run(
        tx -> {
          tx.clearRange(b("b"), b("c"));
          return null;
        });
    assertThat(scanKeys("", "z")).containsExactly("a", "c", "ca", "d");
    engine.run(
        tx -> {
          tx.clearRange(b("ca"), b("ca"));
          tx.clearRange(b("d"), b("c"));
          return null;
        });
    assertThat(scanKeys("", "z")).containsExactly("a", "c", "ca", "d");
  }

  // ---- isolation ----

  @Test
  void readOnlyTransactionSeesOneSnapshot() {
    put("x", "1");
    try (ReadTransaction reader = engine.beginRead()) {
      assertThat(s(reader.get(b("x")))).isEqualTo("1");
      put("x", "2");
      put("y", "new");
      assertThat(s(reader.get(b("x")))).isEqualTo("1");
      assertThat(reader.get(b("y"))).isNull();
      assertThat(keys(reader.getRange(b("x"), b("z")).toList())).containsExactly("x");
    }
    assertThat(read("x")).isEqualTo("2");
  }

  @Test
  void lostUpdateIsPrevented() {
    put("counter", "0");
    Transaction t1 = engine.begin();
    Transaction t2 = engine.begin();
    int v1 = Integer.parseInt(s(t1.get(b("counter"))));
    int v2 = Integer.parseInt(s(t2.get(b("counter"))));
    t1.set(b("counter"), b(Integer.toString(v1 + 1)));
    t2.set(b("counter"), b(Integer.toString(v2 + 1)));
    t1.commit();
    assertConflict(t2::commit);
    assertThat(read("counter")).isEqualTo("1");
  }

  @Test
  void writeSkewIsPrevented() {
    // Two on-call doctors; each transaction lets one go off call if the other is still on call.
    put("alice", "on");
    put("bob", "on");
    Transaction t1 = engine.begin();
    Transaction t2 = engine.begin();
    assertThat(s(t1.get(b("alice")))).isEqualTo("on");
    assertThat(s(t1.get(b("bob")))).isEqualTo("on");
    assertThat(s(t2.get(b("alice")))).isEqualTo("on");
    assertThat(s(t2.get(b("bob")))).isEqualTo("on");
    t1.set(b("alice"), b("off"));
    t2.set(b("bob"), b("off"));
    t1.commit();
    assertConflict(t2::commit);
    assertThat(read("bob")).isEqualTo("on");
  }

  @Test
  void phantomInsertIntoAReadRangeIsPrevented() {
    // Each transaction checks that a directory is empty, then creates an entry in it: only one may
    // win.
    Transaction t1 = engine.begin();
    Transaction t2 = engine.begin();
    assertThat(t1.getRange(b("dir/"), b("dir0")).toList()).isEmpty();
    assertThat(t2.getRange(b("dir/"), b("dir0")).toList()).isEmpty();
    t1.set(b("dir/one"), b("1"));
    t2.set(b("dir/two"), b("2"));
    t1.commit();
    assertConflict(t2::commit);
    assertThat(scanKeys("dir/", "dir0")).containsExactly("dir/one");
  }

  @Test
  void phantomSkewAcrossTwoRangesIsPrevented() {
    Transaction t1 = engine.begin();
    Transaction t2 = engine.begin();
    assertThat(t1.getRange(b("r1/"), b("r10")).toList()).isEmpty();
    assertThat(t2.getRange(b("r2/"), b("r20")).toList()).isEmpty();
    t1.set(b("r2/x"), b("from t1"));
    t2.set(b("r1/x"), b("from t2"));
    t1.commit();
    assertConflict(t2::commit);
  }

  @Test
  void snapshotReadsAddNoConflict() {
    // A cycle that a serializable read closes, and a snapshot read leaves open.
    put("k", "0");
    put("x", "0");
    Transaction t1 = engine.begin();
    assertThat(s(t1.snapshot().get(b("k")))).isEqualTo("0");
    assertThat(t1.snapshot().getRange(b("k"), b("l")).toList()).hasSize(1);
    Transaction t2 = engine.begin();
    assertThat(s(t2.get(b("x")))).isEqualTo("0");
    t2.set(b("k"), b("t2"));
    t2.commit();
    t1.set(b("x"), b("t1"));
    t1.commit();
    assertThat(read("k")).isEqualTo("t2");
    assertThat(read("x")).isEqualTo("t1");
  }

  @Test
  void serializableReadsCloseTheSameCycle() {
    put("k", "0");
    put("x", "0");
    Transaction t1 = engine.begin();
    assertThat(s(t1.get(b("k")))).isEqualTo("0");
    Transaction t2 = engine.begin();
    assertThat(s(t2.get(b("x")))).isEqualTo("0");
    t2.set(b("k"), b("t2"));
    t2.commit();
    t1.set(b("x"), b("t1"));
    assertConflict(t1::commit);
    assertThat(read("x")).isEqualTo("0");
  }

  @Test
  void explicitReadConflictsBehaveLikeReads() {
    put("k", "0");
    put("x", "0");
    put("r/5", "0");
    Transaction t1 = engine.begin();
    t1.addReadConflictKey(b("k"));
    Transaction t2 = engine.begin();
    assertThat(t2.get(b("x"))).isNotNull();
    t2.set(b("k"), b("t2"));
    t2.commit();
    t1.set(b("x"), b("t1"));
    assertConflict(t1::commit);

    Transaction t3 = engine.begin();
    t3.addReadConflictRange(b("r/"), b("r0"));
    Transaction t4 = engine.begin();
    assertThat(t4.get(b("x"))).isNotNull();
    t4.set(b("r/7"), b("t4"));
    t4.commit();
    t3.set(b("x"), b("t3"));
    assertConflict(t3::commit);
  }

  /**
   * The one place the engines' rules differ (see {@link IsolationModel}): a transaction whose read
   * was overwritten by a later commit, where no cycle forms. Optimistic engines reject it;
   * serializable snapshot isolation orders it first. Both outcomes are serializable, and each
   * engine must do what it declares.
   */
  @Test
  void overwrittenReadWithoutCycleFollowsTheDeclaredModel() {
    put("k", "0");
    Transaction t1 = engine.begin();
    assertThat(s(t1.get(b("k")))).isEqualTo("0");
    assertThat(t1.getRange(b("p/"), b("p0")).toList()).isEmpty();
    put("k", "t2");
    put("p/new", "t2");
    t1.set(b("x"), b("t1 saw k=0"));
    if (engine.isolationModel() == IsolationModel.OPTIMISTIC_READ_VALIDATION) {
      assertConflict(t1::commit);
      assertThat(read("x")).isNull();
    } else {
      t1.commit();
      assertThat(read("x")).isEqualTo("t1 saw k=0");
    }
    assertThat(read("k")).isEqualTo("t2");
  }

  @Test
  void readsOfOwnWritesAddNoConflict() {
    put("k", "0");
    Transaction t1 = engine.begin();
    t1.set(b("k"), b("mine"));
    assertThat(s(t1.get(b("k")))).isEqualTo("mine");
    put("other", "x");
    t1.commit();
    assertThat(read("k")).isEqualTo("mine");
  }

  // ---- limits and bad input ----

  @Test
  void valuesAndKeysAtTheLimitRoundTrip() {
    byte[] bigValue = new byte[KvLimits.MAX_VALUE_BYTES];
    new Random(1).nextBytes(bigValue);
    byte[] longKey = new byte[KvLimits.MAX_KEY_BYTES];
    Arrays.fill(longKey, (byte) 'k');
    engine.run(
        tx -> {
          tx.set(b("big"), bigValue);
          tx.set(longKey, b("long key"));
          return null;
        });
    byte[] readBack = engine.read(tx -> tx.get(b("big")));
    assertThat(readBack).isEqualTo(bigValue);
    String longKeyValue = engine.read(tx -> s(tx.get(longKey)));
    assertThat(longKeyValue).isEqualTo("long key");
    List<KeyValue> longKeyRange =
        engine.read(tx -> tx.getRange(longKey, ByteKeys.keyAfter(longKey)).toList());
    assertThat(longKeyRange).hasSize(1);
  }

  @Test
  void badKeysAndValuesAreRejectedWithClearErrors() {
    try (Transaction tx = engine.begin()) {
      assertInvalid(() -> tx.set(new byte[0], b("v")), "key is empty");
      assertInvalid(() -> tx.get(new byte[0]), "key is empty");
      assertInvalid(() -> tx.clear(new byte[0]), "key is empty");
      assertInvalid(() -> tx.set(null, b("v")), "key is null");
      assertInvalid(() -> tx.set(b("k"), null), "value for key");
      assertInvalid(
          () -> tx.set(new byte[KvLimits.MAX_KEY_BYTES + 1], b("v")), "over the limit of 2048");
      assertInvalid(() -> tx.get(new byte[KvLimits.MAX_KEY_BYTES + 1]), "over the limit of 2048");
      assertInvalid(
          () -> tx.set(b("k"), new byte[KvLimits.MAX_VALUE_BYTES + 1]), "over the limit of 131072");
      assertInvalid(() -> tx.set(new byte[] {(byte) 0xff, 1}, b("v")), "reserved range");
      assertInvalid(() -> tx.clearRange(b("a"), new byte[] {(byte) 0xff, 0}), "reserved range");
      // A rejected write leaves the transaction usable and unchanged.
      tx.set(b("ok"), b("fine"));
      tx.commit();
    }
    assertThat(read("ok")).isEqualTo("fine");
    assertThat(read("k")).isNull();
  }

  @Test
  void oversizedTransactionsAreRejected() {
    byte[] value = new byte[100_000];
    try (Transaction tx = engine.begin()) {
      assertThatThrownBy(
              () -> {
                for (int i = 0; i < 200; i++) {
                  tx.set(key(i), value);
                }
              })
          .isInstanceOfSatisfying(
              StatusException.class,
              e -> assertThat(e.code()).isEqualTo(StatusCode.TRANSACTION_TOO_LARGE));
    }
  }

  @Test
  void finishedTransactionsRejectFurtherUse() {
    Transaction committed = engine.begin();
    committed.set(b("a"), b("1"));
    committed.commit();
    assertFinished(() -> committed.get(b("a")));
    assertFinished(() -> committed.set(b("a"), b("2")));
    assertFinished(committed::commit);
    assertFinished(() -> committed.getRange(b("a"), b("b")));

    Transaction closed = engine.begin();
    closed.set(b("b"), b("1"));
    closed.close();
    closed.close();
    assertFinished(() -> closed.get(b("a")));
    assertFinished(closed::commit);
    assertThat(read("b")).isNull();

    ReadTransaction reader = engine.beginRead();
    reader.close();
    assertFinished(() -> reader.get(b("a")));

    Transaction iterating = engine.begin();
    RangeIterator it = iterating.getRange(new byte[0], b("z"), 0, false);
    iterating.close();
    assertFinished(it::hasNext);
  }

  @Test
  void readOnlyTransactionsRejectWrites() {
    put("a", "1");
    try (ReadTransaction reader = engine.beginRead()) {
      if (reader instanceof Transaction writable) {
        assertInvalid(() -> writable.set(b("a"), b("2")), "read-only");
        assertInvalid(() -> writable.clear(b("a")), "read-only");
        assertInvalid(writable::commit, "read-only");
      }
      assertThat(s(reader.get(b("a")))).isEqualTo("1");
    }
    assertThat(read("a")).isEqualTo("1");
  }

  // ---- the retry loop ----

  @Test
  void runRetriesConflictsUntilTheBodyCommits() {
    put("counter", "0");
    AtomicInteger attempts = new AtomicInteger();
    int result =
        engine.run(
            tx -> {
              int value = Integer.parseInt(s(tx.get(b("counter"))));
              if (attempts.incrementAndGet() < 3) {
                put("counter", Integer.toString(value + 100)); // a competing commit after our read
              }
              tx.set(b("counter"), b(Integer.toString(value + 1)));
              return value + 1;
            });
    assertThat(attempts.get()).isEqualTo(3);
    assertThat(result).isEqualTo(201);
    assertThat(read("counter")).isEqualTo("201");
  }

  @Test
  void runGivesUpAfterItsAttemptBound() {
    put("counter", "0");
    AtomicInteger attempts = new AtomicInteger();
    assertThatThrownBy(
            () ->
                engine.run(
                    TxOptions.DEFAULT.withMaxAttempts(4),
                    tx -> {
                      attempts.incrementAndGet();
                      tx.get(b("counter"));
                      put("counter", "bump" + attempts.get());
                      tx.set(b("counter"), b("mine"));
                      return null;
                    }))
        .isInstanceOfSatisfying(
            StatusException.class,
            e -> assertThat(e.code()).isEqualTo(StatusCode.RETRIES_EXHAUSTED));
    assertThat(attempts.get()).isEqualTo(4);
  }

  /**
   * runOnceDeferred commits once: its result and writes are there at once, its durability future
   * completes, and a conflict is thrown to the caller after one attempt, with nothing committed.
   */
  @Test
  void runOnceDeferredCommitsOnceAndHandsConflictsBack() throws Exception {
    put("counter", "0");
    KvEngine.Deferred<Integer> first =
        engine.runOnceDeferred(
            tx -> {
              int value = Integer.parseInt(s(tx.get(b("counter"))));
              tx.set(b("counter"), b(Integer.toString(value + 1)));
              return value + 1;
            });
    assertThat(first.value()).isEqualTo(1);
    assertThat(read("counter")).isEqualTo("1");
    first.durable().get(10, java.util.concurrent.TimeUnit.SECONDS);
    AtomicInteger attempts = new AtomicInteger();
    assertConflict(
        () ->
            engine.runOnceDeferred(
                tx -> {
                  attempts.incrementAndGet();
                  tx.get(b("counter"));
                  put("counter", "100"); // a competing commit after this read
                  tx.set(b("counter"), b("mine"));
                  return null;
                }));
    assertThat(attempts).hasValue(1);
    assertThat(read("counter")).isEqualTo("100");
  }

  @Test
  void runPassesNonRetriableFailuresThroughAtOnce() {
    AtomicInteger attempts = new AtomicInteger();
    assertThatThrownBy(
            () ->
                engine.run(
                    tx -> {
                      attempts.incrementAndGet();
                      throw new StatusException(StatusCode.NOT_FOUND, "no such thing");
                    }))
        .isInstanceOfSatisfying(
            StatusException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.NOT_FOUND));
    assertThat(attempts.get()).isEqualTo(1);
  }

  @Test
  void runPassesTheBodysOwnRetriableStatusesThrough() {
    AtomicInteger attempts = new AtomicInteger();
    assertThatThrownBy(
            () ->
                engine.run(
                    tx -> {
                      attempts.incrementAndGet();
                      throw new StatusException(StatusCode.NOT_PRIMARY, "primary is elsewhere");
                    }))
        .isInstanceOfSatisfying(
            StatusException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.NOT_PRIMARY));
    assertThat(attempts.get())
        .as("NOT_PRIMARY is for the caller to handle, not the KV retry loop")
        .isEqualTo(1);
  }

  @Test
  void lostCommitOutcomesAreResolvedExactlyOnce() {
    // Every other commit loses its answer; half of those had committed. Each increment must land
    // exactly once.
    for (FaultyCommitEngine.Fault fault : FaultyCommitEngine.Fault.values()) {
      FaultyCommitEngine faulty = new FaultyCommitEngine(engine, fault);
      String counter = "outcome-" + fault;
      put(counter, "0");
      for (int i = 0; i < 20; i++) {
        int after =
            faulty.run(
                tx -> {
                  int value = Integer.parseInt(s(tx.get(b(counter))));
                  tx.set(b(counter), b(Integer.toString(value + 1)));
                  return value + 1;
                });
        assertThat(after).as("result of increment %d with %s", i, fault).isEqualTo(i + 1);
      }
      assertThat(read(counter)).as("counter with %s", fault).isEqualTo("20");
      assertThat(faulty.injected()).as("faults injected with %s", fault).isGreaterThanOrEqualTo(10);
    }
  }

  @Test
  void lostCommitOutcomeFailsWhenTheCallerAsksTo() {
    FaultyCommitEngine faulty =
        new FaultyCommitEngine(engine, FaultyCommitEngine.Fault.LOST_AFTER_COMMIT);
    assertThatThrownBy(
            () ->
                faulty.run(
                    TxOptions.DEFAULT.withCommitUnknown(TxOptions.CommitUnknown.FAIL),
                    tx -> {
                      tx.set(b("once"), b("1"));
                      return null;
                    }))
        .isInstanceOfSatisfying(
            StatusException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.COMMIT_UNKNOWN));
    assertThat(read("once")).isEqualTo("1");
  }

  // ---- many threads ----

  @Test
  void concurrentTransfersConserveTheTotal() throws Exception {
    int accounts = 50;
    int threads = 8;
    int transfers = 10_000;
    long seed = System.nanoTime();
    System.out.println("concurrentTransfersConserveTheTotal seed=" + seed);
    engine.run(
        tx -> {
          for (int a = 0; a < accounts; a++) {
            tx.set(account(a), b("1000"));
          }
          return null;
        });
    AtomicInteger next = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Random random = new Random(seed + t);
        futures.add(
            pool.submit(
                () -> {
                  while (next.getAndIncrement() < transfers) {
                    int from = random.nextInt(accounts);
                    int to = (from + 1 + random.nextInt(accounts - 1)) % accounts;
                    int amount = 1 + random.nextInt(20);
                    engine.run(
                        tx -> {
                          int fromBalance = Integer.parseInt(s(tx.get(account(from))));
                          int toBalance = Integer.parseInt(s(tx.get(account(to))));
                          tx.set(account(from), b(Integer.toString(fromBalance - amount)));
                          tx.set(account(to), b(Integer.toString(toBalance + amount)));
                          return null;
                        });
                  }
                  return null;
                }));
      }
      for (Future<?> future : futures) {
        future.get(10, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    long total =
        engine.read(
            tx -> {
              long sum = 0;
              for (KeyValue kv : tx.getRange(b("acct/"), b("acct0")).toList()) {
                sum += Integer.parseInt(s(kv.value()));
              }
              return sum;
            });
    assertThat(total).as("seed %d", seed).isEqualTo(accounts * 1000L);
  }

  private static byte[] account(int a) {
    return b(String.format("acct/%04d", a));
  }

  // ---- helpers ----

  protected static void assertConflict(Runnable action) {
    assertThatThrownBy(action::run)
        .isInstanceOfSatisfying(
            StatusException.class,
            e -> assertThat(e.code()).isEqualTo(StatusCode.TRANSACTION_CONFLICT));
  }

  private static void assertInvalid(Runnable action, String messagePart) {
    assertThatThrownBy(action::run)
        .isInstanceOfSatisfying(
            StatusException.class,
            e -> {
              assertThat(e.code()).isEqualTo(StatusCode.INVALID_ARGUMENT);
              assertThat(e.getMessage()).contains(messagePart);
            });
  }

  private static void assertFinished(Runnable action) {
    assertThatThrownBy(action::run)
        .isInstanceOfSatisfying(
            StatusException.class,
            e -> assertThat(e.code()).isEqualTo(StatusCode.TRANSACTION_FINISHED));
  }
}
