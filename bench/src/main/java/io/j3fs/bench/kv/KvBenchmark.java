package io.j3fs.bench.kv;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.j3fs.bench.Table;
import io.j3fs.kv.KvEngine;
import io.j3fs.kv.ReadTransaction;
import io.j3fs.kv.memory.MemoryKvEngine;
import io.j3fs.kv.postgres.PostgresKvConfig;
import io.j3fs.kv.postgres.PostgresKvEngine;
import io.j3fs.kv.rocksdb.RocksDbKvConfig;
import io.j3fs.kv.rocksdb.RocksDbKvEngine;
import io.j3fs.testing.PostgresServer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Throughput of each KV engine on four workloads at 1 and 8 threads (scans run before the write
 * workloads, on the freshly loaded keys: after heavy overwrites a scan also skips superseded
 * versions until compaction catches up), beside raw RocksDB (no transaction layer) with the same
 * key count, value size and durability, measured in the same run.
 */
@Command(
    name = "kv",
    mixinStandardHelpOptions = true,
    description = "KV engines: point reads, 1-key and 10-key read-write transactions, range scans.")
public final class KvBenchmark implements Callable<Integer> {
  @Option(
      names = "--engines",
      split = ",",
      defaultValue = "memory,rocksdb,rocksdb-wal,postgres",
      description =
          "Engines to run: memory, rocksdb (fsync), rocksdb-wal, postgres. Default: ${DEFAULT-VALUE}.")
  List<String> engines;

  @Option(
      names = "--workloads",
      split = ",",
      defaultValue = "read,rw1,rw10,scan",
      description = "Workloads: read, rw1, rw10, scan. Default: ${DEFAULT-VALUE}.")
  List<String> workloads;

  @Option(
      names = "--threads",
      split = ",",
      defaultValue = "1,8",
      description = "Thread counts. Default: ${DEFAULT-VALUE}.")
  List<Integer> threadCounts;

  @Option(
      names = "--seconds",
      defaultValue = "3",
      description = "Measured seconds per cell. Default: ${DEFAULT-VALUE}.")
  double seconds;

  @Option(
      names = "--warmup-seconds",
      defaultValue = "1",
      description = "Warm-up per cell. Default: ${DEFAULT-VALUE}.")
  double warmupSeconds;

  @Option(
      names = "--keys",
      defaultValue = "100000",
      description = "Keys loaded. Default: ${DEFAULT-VALUE}.")
  int keyCount;

  @Option(
      names = "--value-bytes",
      defaultValue = "100",
      description = "Value size. Default: ${DEFAULT-VALUE}.")
  int valueBytes;

  @Option(
      names = "--dir",
      description =
          "Directory for RocksDB data (default: a temporary directory, deleted afterwards).")
  Path dir;

  private static final int SCAN_KEYS = 1000;

  /** One workload: runs one operation and returns how many units (operations or keys) it did. */
  private interface Operation {
    long run(SplittableRandom random);
  }

  @Override
  public Integer call() throws Exception {
    boolean ownDir = dir == null;
    Path base = ownDir ? Files.createTempDirectory("j3fs-kv-bench-") : dir;
    Map<String, Map<Integer, Double>> results = new LinkedHashMap<>();
    PostgresServer postgres = null;
    try {
      for (String name : engines) {
        KvEngine engine;
        switch (name) {
          case "memory" -> engine = new MemoryKvEngine();
          case "rocksdb" ->
              engine = new RocksDbKvEngine(RocksDbKvConfig.at(base.resolve("rocksdb-fsync")));
          case "rocksdb-wal" ->
              engine =
                  new RocksDbKvEngine(
                      RocksDbKvConfig.at(base.resolve("rocksdb-wal"))
                          .withDurability(RocksDbKvConfig.Durability.WAL));
          case "postgres" -> {
            if (postgres == null) {
              System.out.println("starting a PostgreSQL server (fsync on) on 127.0.0.1 ...");
              postgres = PostgresServer.start(true);
            }
            engine =
                new PostgresKvEngine(
                    PostgresKvConfig.of(postgres.jdbcUrl(), postgres.user(), "")
                        .withMaxPoolSize(2 * maxThreads() + 2));
          }
          default -> throw new IllegalArgumentException("unknown engine " + name);
        }
        try {
          load(engine);
          if (workloads.contains("read")) {
            measure(name, "point read (ops/s)", engine, this::pointRead, results);
          }
          if (workloads.contains("scan")) {
            measure(name, "range scan (keys/s)", engine, this::scan, results);
          }
          if (workloads.contains("rw1")) {
            measure(name, "1-key read-write tx (tx/s)", engine, this::readWrite1, results);
          }
          if (workloads.contains("rw10")) {
            measure(name, "10-key read-modify-write tx (tx/s)", engine, this::readWrite10, results);
          }
        } finally {
          engine.close();
        }
        if (name.startsWith("rocksdb")) {
          rawRocksBaseline(
              base.resolve("raw-" + name),
              name.equals("rocksdb")
                  ? RocksDbKvConfig.Durability.FSYNC
                  : RocksDbKvConfig.Durability.WAL,
              results,
              name);
        }
      }
    } finally {
      if (postgres != null) {
        postgres.close();
      }
      if (ownDir) {
        deleteTree(base);
      }
    }
    Table table = new Table(header());
    for (Map.Entry<String, Map<Integer, Double>> row : results.entrySet()) {
      List<String> cells = new ArrayList<>();
      cells.addAll(List.of(row.getKey().split("\\|", 2)));
      for (int threads : threadCounts) {
        Double value = row.getValue().get(threads);
        cells.add(value == null ? "" : Table.count(value));
      }
      table.add(cells.toArray(String[]::new));
    }
    System.out.println();
    System.out.println(
        "KV engines, "
            + keyCount
            + " keys of "
            + valueBytes
            + " B values, "
            + seconds
            + " s per cell, "
            + Runtime.getRuntime().availableProcessors()
            + " cores");
    System.out.println(table.render());
    return 0;
  }

  private String[] header() {
    List<String> header = new ArrayList<>(List.of("engine", "workload"));
    for (int threads : threadCounts) {
      header.add(threads + (threads == 1 ? " thread" : " threads"));
    }
    return header.toArray(String[]::new);
  }

  private int maxThreads() {
    return threadCounts.stream().max(Comparator.naturalOrder()).orElse(1);
  }

  private static final byte[] KEY_PREFIX = "bench/".getBytes(UTF_8);

  /**
   * "bench/" and ten decimal digits, without String.format (which would dominate the memory
   * engine's numbers).
   */
  private static byte[] key(int i) {
    byte[] key = new byte[KEY_PREFIX.length + 10];
    System.arraycopy(KEY_PREFIX, 0, key, 0, KEY_PREFIX.length);
    for (int at = key.length - 1, rest = i; at >= KEY_PREFIX.length; at--, rest /= 10) {
      key[at] = (byte) ('0' + rest % 10);
    }
    return key;
  }

  private byte[] value(long seed) {
    byte[] value = new byte[valueBytes];
    new SplittableRandom(seed).nextBytes(value);
    ByteBuffer.wrap(value).putLong(0, seed);
    return value;
  }

  private void load(KvEngine engine) {
    int batch = 1000;
    for (int start = 0; start < keyCount; start += batch) {
      int from = start;
      int to = Math.min(keyCount, start + batch);
      engine.run(
          tx -> {
            for (int i = from; i < to; i++) {
              tx.set(key(i), value(i));
            }
            return null;
          });
    }
  }

  private long pointRead(KvEngine engine, SplittableRandom random) {
    byte[] key = key(random.nextInt(keyCount));
    try (ReadTransaction tx = engine.beginRead()) {
      if (tx.get(key) == null) {
        throw new IllegalStateException("missing key");
      }
    }
    return 1;
  }

  private long readWrite1(KvEngine engine, SplittableRandom random) {
    byte[] key = key(random.nextInt(keyCount));
    engine.run(
        tx -> {
          byte[] value = tx.get(key);
          tx.set(key, value(ByteBuffer.wrap(value).getLong(0) + 1));
          return null;
        });
    return 1;
  }

  private long readWrite10(KvEngine engine, SplittableRandom random) {
    byte[][] keys = new byte[10][];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = key(random.nextInt(keyCount));
    }
    engine.run(
        tx -> {
          for (byte[] key : keys) {
            byte[] value = tx.get(key);
            tx.set(key, value(ByteBuffer.wrap(value).getLong(0) + 1));
          }
          return null;
        });
    return 1;
  }

  private long scan(KvEngine engine, SplittableRandom random) {
    int start = random.nextInt(Math.max(1, keyCount - SCAN_KEYS));
    long keys;
    try (ReadTransaction tx = engine.beginRead()) {
      keys = tx.getRange(key(start), key(start + SCAN_KEYS), SCAN_KEYS, false).toList().size();
    }
    return keys;
  }

  /** A workload bound to an engine. */
  private interface EngineOperation {
    long run(KvEngine engine, SplittableRandom random);
  }

  private void measure(
      String engineName,
      String workload,
      KvEngine engine,
      EngineOperation operation,
      Map<String, Map<Integer, Double>> results) {
    for (int threads : threadCounts) {
      double rate = run(threads, random -> operation.run(engine, random));
      results
          .computeIfAbsent(engineName + "|" + workload, k -> new LinkedHashMap<>())
          .put(threads, rate);
      System.out.printf(
          "%-12s %-36s %2d threads: %,14.0f/s%n", engineName, workload, threads, rate);
    }
  }

  /**
   * Runs {@code operation} on {@code threads} threads: warm-up, then a measured period; returns
   * units per second.
   */
  private double run(int threads, Operation operation) {
    LongAdder units = new LongAdder();
    long warmupEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
    long measureEnd = warmupEnd + (long) (seconds * 1e9);
    CountDownLatch done = new CountDownLatch(threads);
    List<Thread> workers = new ArrayList<>();
    List<Throwable> failures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      SplittableRandom random = new SplittableRandom(42 + t);
      Thread worker =
          Thread.ofPlatform()
              .name("bench-" + t)
              .start(
                  () -> {
                    try {
                      long now;
                      while ((now = System.nanoTime()) < measureEnd) {
                        long n = operation.run(random);
                        if (now >= warmupEnd) {
                          units.add(n);
                        }
                      }
                    } catch (Throwable e) {
                      synchronized (failures) {
                        failures.add(e);
                      }
                    } finally {
                      done.countDown();
                    }
                  });
      workers.add(worker);
    }
    try {
      done.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    if (!failures.isEmpty()) {
      throw new IllegalStateException("benchmark worker failed", failures.getFirst());
    }
    return units.sum() / seconds;
  }

  /**
   * Raw RocksDB gets and puts with the same keys, values and durability: what the transaction layer
   * costs.
   */
  private void rawRocksBaseline(
      Path path,
      RocksDbKvConfig.Durability durability,
      Map<String, Map<Integer, Double>> results,
      String label)
      throws RocksDBException {
    RocksDB.loadLibrary();
    try (Options options = new Options().setCreateIfMissing(true);
        RocksDB db = RocksDB.open(options, path.toString());
        WriteOptions writeOptions =
            new WriteOptions().setSync(durability == RocksDbKvConfig.Durability.FSYNC);
        ReadOptions readOptions = new ReadOptions()) {
      for (int i = 0; i < keyCount; i++) {
        db.put(key(i), value(i));
      }
      String name = "raw " + label + " (baseline)";
      for (int threads : threadCounts) {
        double gets =
            run(
                threads,
                random -> {
                  try {
                    db.get(readOptions, key(random.nextInt(keyCount)));
                  } catch (RocksDBException e) {
                    throw new IllegalStateException(e);
                  }
                  return 1;
                });
        results
            .computeIfAbsent(name + "|get (ops/s)", k -> new LinkedHashMap<>())
            .put(threads, gets);
        double puts =
            run(
                threads,
                random -> {
                  try {
                    db.put(writeOptions, key(random.nextInt(keyCount)), value(random.nextLong()));
                  } catch (RocksDBException e) {
                    throw new IllegalStateException(e);
                  }
                  return 1;
                });
        results
            .computeIfAbsent(name + "|put (ops/s)", k -> new LinkedHashMap<>())
            .put(threads, puts);
        System.out.printf(
            "%-12s raw get %,.0f/s, raw put %,.0f/s at %d threads%n", label, gets, puts, threads);
      }
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
