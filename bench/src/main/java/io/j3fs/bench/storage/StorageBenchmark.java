package io.j3fs.bench.storage;

import io.j3fs.bench.RawDisk;
import io.j3fs.bench.Table;
import io.j3fs.bench.rpc.RawSockets;
import io.j3fs.cli.local.LocalCluster;
import io.j3fs.client.mgmtd.MgmtdClient;
import io.j3fs.client.storage.StorageClient;
import io.j3fs.common.id.ChainId;
import io.j3fs.common.id.ChunkId;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.RpcClient;
import io.j3fs.net.netty.NettyTransport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code j3fs bench storage}: one mgmtd and three {@code j3fs storage} processes on loopback with
 * one 3-replica chain. Every row runs for a fixed time after a warm-up (four JVMs share two cores,
 * and code the JIT has not compiled yet runs many times slower) and stands beside its baseline
 * measured in the same run:
 *
 * <ul>
 *   <li>sequential writes (1 MiB and 4 MiB requests, several in flight) beside a plain FileChannel
 *       writing as many bytes in the same request size, forced once, divided by three replicas;
 *   <li>sequential reads of what was written, from the servers' page cache, beside a raw loopback
 *       socket streaming the same block size; and after the page cache is dropped, beside a plain
 *       FileChannel reading the raw file back after the same drop;
 *   <li>random 4 KiB reads in batches ({@code --batch} reads per call of the batch read API, {@code
 *       --queue-depth} reads outstanding in all), on a second cluster whose storage reads with
 *       O_DIRECT ({@code direct_reads = true}, as 3FS does), beside {@code --queue-depth} threads
 *       doing O_DIRECT 4 KiB preads of a raw file of the same size: the disk's random-read rate at
 *       that queue depth.
 * </ul>
 *
 * <p>Read rows and their baselines alternate over the row's time (cached and random rows in slices
 * of about a second, uncached rows in whole cold passes), so that both are measured over the same
 * moments: on a shared host the raw rates move by 2x within minutes.
 */
@Command(
    name = "storage",
    mixinStandardHelpOptions = true,
    description = "Storage: 3 storage processes, one 3-replica chain, beside raw disk and socket.")
public final class StorageBenchmark implements Callable<Integer> {
  private static final int RANDOM_BYTES = 4096;

  @Option(names = "--dir", defaultValue = "data/bench-storage", description = "Work directory.")
  Path dir;

  @Option(names = "--seconds", defaultValue = "4", description = "Measured time per row.")
  double seconds;

  @Option(
      names = "--max-mib",
      defaultValue = "1024",
      description = "Most MiB a write row writes (bounds disk use).")
  int maxMib;

  @Option(names = "--inflight", defaultValue = "16", description = "Sequential requests in flight.")
  int inflight;

  @Option(names = "--queue-depth", defaultValue = "32", description = "Random reads outstanding.")
  int queueDepth;

  @Option(names = "--batch", defaultValue = "32", description = "Random reads per batch call.")
  int batch;

  @Option(
      names = "--random-mib",
      defaultValue = "512",
      description = "MiB of data the random reads range over.")
  int randomMib;

  @Option(
      names = "--sizes",
      split = ",",
      defaultValue = "1,4",
      description = "Sequential request sizes in MiB (0: skip the sequential rows).")
  List<Integer> sizesMib;

  @Option(
      names = "--random",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description = "Run the random-read rows (--no-random skips them).")
  boolean randomRows;

  @Option(
      names = "--warmup-seconds",
      defaultValue = "20",
      description = "Unmeasured writes and reads first, per cluster.")
  double warmupSeconds;

  private final Table table =
      new Table("workload", "j3fs MiB/s or ops/s", "baseline", "baseline kind", "ratio", "target");

  @Override
  public Integer call() throws Exception {
    Files.createDirectories(dir);
    if (queueDepth % batch != 0) {
      throw new IllegalArgumentException("--queue-depth must be a multiple of --batch");
    }
    String extra = System.getenv("J3FS_BENCH_SERVER_JAVA_OPTS");
    List<String> serverOptions =
        extra == null || extra.isBlank() ? List.of() : List.of(extra.trim().split("\\s+"));
    Map<String, Long> retries = new TreeMap<>();
    if (!sizesMib.isEmpty() && sizesMib.getFirst() > 0) {
      try (Bench bench = new Bench(dir.resolve("buffered"), serverOptions, List.of())) {
        bench.warmUp(false);
        long inode = 1;
        for (int mib : sizesMib) {
          sequential(bench.client, inode++, mib << 20);
        }
        bench.client.retriesByStatus().forEach((k, v) -> retries.merge(k.name(), v, Long::sum));
      }
      System.out.println(table.render());
    }
    if (randomRows) {
      try (Bench bench =
          new Bench(dir.resolve("direct"), serverOptions, List.of("direct_reads = true"))) {
        random(bench);
        bench.client.retriesByStatus().forEach((k, v) -> retries.merge(k.name(), v, Long::sum));
      }
    }
    System.out.println(table.render());
    System.out.println("storage client retries by status: " + retries);
    System.out.printf(
        "(%.0f s per row after %.0f s of warm-up per cluster; %d sequential requests in flight;"
            + " random reads: %d outstanding in batches of %d over %d MiB; MiB/s except random"
            + " reads in reads/s)%n",
        seconds, warmupSeconds, inflight, queueDepth, batch, randomMib);
    return 0;
  }

  /** A local cluster with one chain and a storage client on it. */
  private final class Bench implements AutoCloseable {
    final LocalCluster cluster;
    final NettyTransport transport = new NettyTransport();
    final RpcClient rpc = transport.client(ClientOptions.DEFAULT.withConnectionsPerPeer(2));
    final StorageClient client;

    Bench(Path root, List<String> serverOptions, List<String> storageSettings) throws Exception {
      for (int n = 1; n <= 3; n++) {
        RawDisk.deleteTree(root.resolve("disk-" + n));
      }
      cluster =
          LocalCluster.start(
              new LocalCluster.Options(root, 3, 500, 10_000, serverOptions, storageSettings));
      try {
        cluster.createChains(rpc, 1);
      } catch (RuntimeException | InterruptedException e) {
        close(); // the constructor fails: nobody else will stop the processes
        throw e;
      }
      MgmtdClient mgmtdClient = cluster.mgmtdClient(rpc);
      client = new StorageClient(rpc, mgmtdClient, "bench", StorageClient.Config.DEFAULT);
    }

    /**
     * Writes, reads and batches of small reads for {@code warmupSeconds}, on an inode the measured
     * rows do not use; with {@code smallOnly}, mostly small reads.
     */
    void warmUp(boolean smallOnly) throws Exception {
      byte[] block = new byte[4 << 20];
      ThreadLocalRandom.current().nextBytes(block);
      // Every chunk the small reads may touch exists before they start.
      timedCount(
          inflight * 4L,
          i -> {
            int size = i % 2 == 0 ? 1 << 20 : 4 << 20;
            client.write(
                ChainId.of(1),
                ChunkId.of(999, (int) i),
                0,
                Unpooled.wrappedBuffer(block, 0, size),
                size);
          });
      long end = System.nanoTime() + (long) (warmupSeconds * 1e9);
      try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
        List<Future<?>> workers = new ArrayList<>();
        if (!smallOnly) {
          // The page cache dropped now and then, so that reads also take the cold path (a range
          // read from disk first) while the servers' JITs compile; the uncached rows take it.
          workers.add(
              pool.submit(
                  () -> {
                    while (System.nanoTime() < end - 1_000_000_000L) {
                      Thread.sleep(1_000);
                      RawDisk.dropCaches();
                    }
                    return null;
                  }));
        }
        for (int w = 0; w < inflight; w++) {
          int worker = w;
          workers.add(
              pool.submit(
                  () -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    for (int i = 0; System.nanoTime() < end; i++) {
                      int chunk = worker * 4 + i % 4;
                      int size = chunk % 2 == 0 ? 1 << 20 : 4 << 20;
                      if (!smallOnly && i % 4 == 0) {
                        client.write(
                            ChainId.of(1),
                            ChunkId.of(999, chunk),
                            0,
                            Unpooled.wrappedBuffer(block, 0, size),
                            size);
                      } else if (!smallOnly && i % 4 == 1) {
                        read(client, 999, chunk, 0, size);
                      } else {
                        smallBatch(client, random, 999, inflight * 4, 1 << 20);
                      }
                    }
                    return null;
                  }));
        }
        for (Future<?> f : workers) {
          f.get();
        }
      }
    }

    @Override
    public void close() {
      rpc.close();
      transport.close();
      cluster.close();
    }
  }

  private void sequential(StorageClient client, long inode, int blockBytes) throws Exception {
    String size = (blockBytes >> 20) + " MiB";
    int maxChunks = (int) Math.min(Integer.MAX_VALUE, ((long) maxMib << 20) / blockBytes);
    byte[] data = new byte[blockBytes];
    ThreadLocalRandom.current().nextBytes(data);
    Timed write =
        timed(
            maxChunks,
            i ->
                client.write(
                    ChainId.of(1),
                    ChunkId.of(inode, i),
                    0,
                    Unpooled.wrappedBuffer(data),
                    blockBytes));
    int chunks = (int) write.ops();
    Path raw = dir.resolve("raw-" + blockBytes + ".data");
    double rawWrite = RawDisk.write(raw, blockBytes, chunks);
    table.add(
        "seq write " + size + " x3 replicas",
        mibs(write.rate(blockBytes)),
        mibs(rawWrite / 3),
        "raw disk write / 3",
        ratio(write.rate(blockBytes), rawWrite / 3),
        ">= 0.60");
    // Slices of j3fs and of the raw socket alternate over the row's time, so that both are
    // measured over the same moments of a shared host (the raw socket's rate moved by 2x between
    // rows of one run when it was measured once, after j3fs).
    int slices = slices();
    long cachedOps = 0;
    long cachedNanos = 0;
    double socketBytes = 0;
    for (int s = 0; s < slices; s++) {
      Timed slice =
          run(
              Long.MAX_VALUE,
              System.nanoTime() + (long) (seconds / slices * 1e9),
              i -> read(client, inode, (int) (i % chunks), 0, blockBytes));
      cachedOps += slice.ops();
      cachedNanos += slice.nanos();
      socketBytes +=
          RawSockets.bulk(1, blockBytes, s == 0 ? 0.5 : 0.2, seconds / slices) * seconds / slices;
    }
    Timed cached = new Timed(cachedOps, cachedNanos);
    double socket = socketBytes / seconds;
    table.add(
        "seq read " + size + " (cached)",
        mibs(cached.rate(blockBytes)),
        mibs(socket),
        "raw loopback socket",
        ratio(cached.rate(blockBytes), socket),
        ">= 0.60");
    // Cold passes over the whole file, the page cache dropped before each, until the row has run
    // its time: one pass of a few hundred MiB lasts a fraction of a second, where the first
    // requests' set-up weighs on the rate. A pass of the baseline follows each pass of j3fs, so
    // both see the same moments of a shared host (the raw rate moved by 2x between runs).
    boolean dropped = true;
    long coldOps = 0;
    long coldNanos = 0;
    long rawBytes = 0;
    long rawNanos = 0;
    while (coldNanos < seconds * 1e9 || rawNanos < seconds * 1e9) {
      dropped &= RawDisk.dropCaches();
      Timed pass = timedCount(chunks, i -> read(client, inode, (int) i, 0, blockBytes));
      coldOps += pass.ops();
      coldNanos += pass.nanos();
      RawDisk.dropCaches();
      long start = System.nanoTime();
      RawDisk.read(raw, blockBytes);
      rawNanos += System.nanoTime() - start;
      rawBytes += Files.size(raw);
    }
    Timed uncached = new Timed(coldOps, coldNanos);
    double rawRead = rawBytes / (rawNanos / 1e9);
    table.add(
        "seq read " + size + (dropped ? " (uncached)" : " (page cache not dropped)"),
        mibs(uncached.rate(blockBytes)),
        mibs(rawRead),
        "raw disk read",
        ratio(uncached.rate(blockBytes), rawRead),
        ">= 0.80");
    Files.deleteIfExists(raw);
  }

  private void random(Bench bench) throws Exception {
    int chunks = randomMib;
    byte[] data = new byte[1 << 20];
    ThreadLocalRandom.current().nextBytes(data);
    long inode = 7;
    timedCount(
        chunks,
        i ->
            bench.client.write(
                ChainId.of(1), ChunkId.of(inode, i), 0, Unpooled.wrappedBuffer(data), 1 << 20));
    bench.warmUp(true);
    Path raw = dir.resolve("raw-random.data");
    RawDisk.write(raw, 1 << 20, chunks);
    boolean dropped = RawDisk.dropCaches();
    // Slices of the raw reads and of j3fs alternate over the row's time (as in the cached rows):
    // the disk's random-read rate moved by 20% between runs minutes apart.
    int slices = slices();
    double rawReads = 0;
    long reads = 0;
    long readNanos = 0;
    for (int s = 0; s < slices; s++) {
      rawReads +=
          RawDisk.randomDirect(raw, (long) chunks << 20, queueDepth, seconds / slices)
              * seconds
              / slices;
      dropped &= RawDisk.dropCaches();
      long start = System.nanoTime();
      reads += randomSlice(bench, inode, chunks, seconds / slices);
      readNanos += System.nanoTime() - start;
    }
    Files.deleteIfExists(raw);
    double rawRandom = rawReads / seconds;
    double random = reads / (readNanos / 1e9);
    table.add(
        "random 4 KiB reads, qd " + queueDepth + (dropped ? ", O_DIRECT" : ", cache not dropped"),
        String.format("%.0f", random),
        String.format("%.0f", rawRandom),
        "raw O_DIRECT pread 4 KiB, same qd",
        ratio(random, rawRandom),
        ">= 0.50");
  }

  /** The row's time cut in slices of about a second, at least one. */
  private int slices() {
    return (int) Math.max(1, Math.round(seconds));
  }

  /** Random batch reads, {@code queueDepth} outstanding, for {@code sliceSeconds}: reads done. */
  private long randomSlice(Bench bench, long inode, int chunks, double sliceSeconds)
      throws Exception {
    long end = System.nanoTime() + (long) (sliceSeconds * 1e9);
    AtomicLong done = new AtomicLong();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> workers = new ArrayList<>();
      for (int w = 0; w < queueDepth / batch; w++) {
        workers.add(
            pool.submit(
                () -> {
                  ThreadLocalRandom random = ThreadLocalRandom.current();
                  while (System.nanoTime() < end) {
                    smallBatch(bench.client, random, inode, chunks, 1 << 20);
                    done.addAndGet(batch);
                  }
                  return null;
                }));
      }
      for (Future<?> f : workers) {
        f.get();
      }
    }
    return done.get();
  }

  /** One batch of {@code batch} random 4 KiB reads over chunks [0, chunks) of an inode. */
  private void smallBatch(
      StorageClient client, ThreadLocalRandom random, long inode, int chunks, int chunkBytes) {
    List<StorageClient.ReadRequest> reads = new ArrayList<>(batch);
    for (int i = 0; i < batch; i++) {
      reads.add(
          new StorageClient.ReadRequest(
              ChainId.of(1),
              ChunkId.of(inode, random.nextInt(chunks)),
              random.nextInt(chunkBytes / RANDOM_BYTES) * RANDOM_BYTES,
              RANDOM_BYTES));
    }
    for (ByteBuf buf : client.batchRead(reads)) {
      int got = buf.readableBytes();
      buf.release();
      if (got != RANDOM_BYTES) {
        throw new IllegalStateException("short read: " + got + " of " + RANDOM_BYTES);
      }
    }
  }

  @FunctionalInterface
  private interface Op {
    void run(long index) throws Exception;
  }

  /** Operations done and the time they took. */
  private record Timed(long ops, long nanos) {
    double rate(int bytesEach) {
      return (double) ops * bytesEach / (nanos / 1e9);
    }
  }

  /** Runs ops 0, 1, ... with {@code inflight} at a time for {@code seconds} or {@code max} ops. */
  private Timed timed(long max, Op op) throws Exception {
    return run(max, System.nanoTime() + (long) (seconds * 1e9), op);
  }

  /** Runs ops 0..count-1 with {@code inflight} at a time, however long they take. */
  private Timed timedCount(long count, Op op) throws Exception {
    return run(count, Long.MAX_VALUE, op);
  }

  private Timed run(long max, long deadline, Op op) throws Exception {
    AtomicLong next = new AtomicLong();
    AtomicLong done = new AtomicLong();
    long start = System.nanoTime();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> workers = new ArrayList<>();
      for (int w = 0; w < inflight; w++) {
        workers.add(
            pool.submit(
                () -> {
                  for (long i = next.getAndIncrement();
                      i < max && System.nanoTime() < deadline;
                      i = next.getAndIncrement()) {
                    op.run(i);
                    done.incrementAndGet();
                  }
                  return null;
                }));
      }
      for (Future<?> f : workers) {
        f.get();
      }
    }
    return new Timed(done.get(), System.nanoTime() - start);
  }

  private static void read(StorageClient client, long inode, int index, int offset, int length) {
    ByteBuf buf = client.read(ChainId.of(1), ChunkId.of(inode, index), offset, length);
    int got = buf.readableBytes();
    buf.release();
    if (got != length) {
      throw new IllegalStateException("short read: " + got + " of " + length);
    }
  }

  private static String mibs(double bytesPerSecond) {
    return String.format("%.0f", bytesPerSecond / (1 << 20));
  }

  private static String ratio(double value, double baseline) {
    return String.format("%.2f", value / baseline);
  }
}
