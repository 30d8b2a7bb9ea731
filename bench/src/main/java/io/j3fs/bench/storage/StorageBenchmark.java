package io.j3fs.bench.storage;

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
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
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
 * one 3-replica chain. Sequential writes and reads (1 MiB and 4 MiB requests, several in flight)
 * and 4 KiB random reads, each beside its baseline measured in the same run: the raw disk (plain
 * FileChannel, same sizes, same directory) and a raw loopback socket.
 */
@Command(
    name = "storage",
    mixinStandardHelpOptions = true,
    description = "Storage: 3 storage processes, one 3-replica chain, beside raw disk and socket.")
public final class StorageBenchmark implements Callable<Integer> {
  @Option(names = "--dir", defaultValue = "data/bench-storage", description = "Work directory.")
  Path dir;

  @Option(names = "--mib", defaultValue = "512", description = "MiB written per request size.")
  int mib;

  @Option(names = "--inflight", defaultValue = "8", description = "Requests in flight.")
  int inflight;

  @Option(names = "--random-seconds", defaultValue = "5", description = "Random-read run time.")
  double randomSeconds;

  @Option(names = "--queue-depth", defaultValue = "32", description = "Random-read queue depth.")
  int queueDepth;

  @Option(
      names = "--warmup-seconds",
      defaultValue = "15",
      description =
          "Unmeasured writes and reads first: four JVMs share the cores, and cold code runs 10x slower.")
  double warmupSeconds;

  @Override
  public Integer call() throws Exception {
    Files.createDirectories(dir);
    for (int n = 1; n <= 3; n++) {
      deleteTree(dir.resolve("disk-" + n));
    }
    String extra = System.getenv("J3FS_BENCH_SERVER_JAVA_OPTS");
    List<String> serverOptions =
        extra == null || extra.isBlank() ? List.of() : List.of(extra.trim().split("\\s+"));
    Table table =
        new Table(
            "workload", "j3fs MiB/s or ops/s", "baseline", "baseline kind", "ratio", "target");
    try (LocalCluster cluster =
            LocalCluster.start(new LocalCluster.Options(dir, 3, 500, 10_000, serverOptions));
        NettyTransport transport = new NettyTransport();
        RpcClient rpc = transport.client(ClientOptions.DEFAULT.withConnectionsPerPeer(2))) {
      cluster.createChains(rpc, 1);
      MgmtdClient mgmtdClient = cluster.mgmtdClient(rpc);
      StorageClient client =
          new StorageClient(rpc, mgmtdClient, "bench", StorageClient.Config.DEFAULT);
      warmUp(client);
      long inode = 1;
      for (int blockBytes : new int[] {1 << 20, 4 << 20}) {
        String size = (blockBytes >> 20) + " MiB";
        int chunks = mib * (1 << 20) / blockBytes;
        Path raw = dir.resolve("raw-" + blockBytes + ".data");
        double rawWrite = rawWrite(raw, blockBytes, chunks);
        long thisInode = inode++;
        double write =
            timed(
                chunks,
                blockBytes,
                i -> {
                  byte[] data = new byte[blockBytes];
                  ThreadLocalRandom.current().nextBytes(data);
                  client.write(
                      ChainId.of(1),
                      ChunkId.of(thisInode, i),
                      0,
                      Unpooled.wrappedBuffer(data),
                      blockBytes);
                });
        table.add(
            "seq write " + size + " x3 replicas",
            mibs(write),
            mibs(rawWrite / 3),
            "raw disk write / 3",
            ratio(write, rawWrite / 3),
            ">= 0.60");
        double cached = timed(chunks, blockBytes, i -> read(client, thisInode, i, 0, blockBytes));
        double socket = RawSockets.bulk(1, blockBytes, 0.5, 2);
        table.add(
            "seq read " + size + " (cached)",
            mibs(cached),
            mibs(socket),
            "raw loopback socket",
            ratio(cached, socket),
            ">= 0.60");
        boolean dropped = dropCaches();
        double uncached = timed(chunks, blockBytes, i -> read(client, thisInode, i, 0, blockBytes));
        dropCaches();
        double rawRead = rawRead(raw, blockBytes);
        table.add(
            "seq read " + size + (dropped ? " (uncached)" : " (page cache not dropped)"),
            mibs(uncached),
            mibs(rawRead),
            "raw disk read",
            ratio(uncached, rawRead),
            ">= 0.80");
        if (blockBytes == 1 << 20) {
          double randomRaw = rawRandom(raw, chunks * (long) blockBytes);
          double random = randomReads(client, thisInode, chunks, blockBytes);
          table.add(
              "random 4 KiB reads, qd " + queueDepth,
              String.format("%.0f", random),
              String.format("%.0f", randomRaw),
              "raw pread 4 KiB, same qd",
              ratio(random, randomRaw),
              ">= 0.50");
        }
        Files.deleteIfExists(raw);
      }
      System.out.println(table.render());
      System.out.println("storage client retries by status: " + client.retriesByStatus());
      System.out.println(
          "("
              + mib
              + " MiB per size, "
              + inflight
              + " requests in flight, after "
              + warmupSeconds
              + " s of warm-up; MiB/s except random reads in reads/s)");
    }
    return 0;
  }

  /** Writes, reads and small reads for {@code warmupSeconds}, on an inode the run does not use. */
  private void warmUp(StorageClient client) throws Exception {
    long end = System.nanoTime() + (long) (warmupSeconds * 1e9);
    byte[] block = new byte[1 << 20];
    ThreadLocalRandom.current().nextBytes(block);
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> workers = new ArrayList<>();
      for (int w = 0; w < Math.max(inflight, queueDepth); w++) {
        int worker = w;
        workers.add(
            pool.submit(
                () -> {
                  ThreadLocalRandom random = ThreadLocalRandom.current();
                  for (int i = 0; System.nanoTime() < end; i++) {
                    int chunk = worker * 4 + i % 4;
                    if (i < 4) {
                      client.write(
                          ChainId.of(1),
                          ChunkId.of(999, chunk),
                          0,
                          Unpooled.wrappedBuffer(block),
                          1 << 20);
                    } else if (i % 8 == 0) {
                      read(client, 999, chunk, 0, 1 << 20);
                    } else {
                      read(client, 999, chunk, random.nextInt(256) * 4096, 4096);
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

  @FunctionalInterface
  private interface Op {
    void run(int index) throws Exception;
  }

  /** Runs ops 0..count-1 with {@code inflight} at a time; returns bytes per second. */
  private double timed(int count, int bytesEach, Op op) throws Exception {
    AtomicLong next = new AtomicLong();
    long start = System.nanoTime();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> workers = new ArrayList<>();
      for (int w = 0; w < inflight; w++) {
        workers.add(
            pool.submit(
                () -> {
                  for (long i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                    op.run((int) i);
                  }
                  return null;
                }));
      }
      for (Future<?> f : workers) {
        f.get();
      }
    }
    return (double) count * bytesEach / ((System.nanoTime() - start) / 1e9);
  }

  private static void read(StorageClient client, long inode, int index, int offset, int length) {
    ByteBuf buf = client.read(ChainId.of(1), ChunkId.of(inode, index), offset, length);
    int got = buf.readableBytes();
    buf.release();
    if (got != length) {
      throw new IllegalStateException("short read: " + got + " of " + length);
    }
  }

  private double randomReads(StorageClient client, long inode, int chunks, int chunkBytes)
      throws Exception {
    AtomicLong done = new AtomicLong();
    long end = System.nanoTime() + (long) (randomSeconds * 1e9);
    long start = System.nanoTime();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> workers = new ArrayList<>();
      for (int w = 0; w < queueDepth; w++) {
        workers.add(
            pool.submit(
                () -> {
                  ThreadLocalRandom random = ThreadLocalRandom.current();
                  while (System.nanoTime() < end) {
                    read(
                        client,
                        inode,
                        random.nextInt(chunks),
                        random.nextInt(chunkBytes / 4096) * 4096,
                        4096);
                    done.incrementAndGet();
                  }
                  return null;
                }));
      }
      for (Future<?> f : workers) {
        f.get();
      }
    }
    return done.get() / ((System.nanoTime() - start) / 1e9);
  }

  private double rawRandom(Path file, long size) throws Exception {
    AtomicLong done = new AtomicLong();
    long end = System.nanoTime() + (long) (randomSeconds * 1e9);
    long start = System.nanoTime();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> workers = new ArrayList<>();
      for (int w = 0; w < queueDepth; w++) {
        workers.add(
            pool.submit(
                () -> {
                  ByteBuffer buf = ByteBuffer.allocateDirect(4096);
                  ThreadLocalRandom random = ThreadLocalRandom.current();
                  while (System.nanoTime() < end) {
                    buf.clear();
                    channel.read(buf, random.nextLong(size / 4096) * 4096);
                    done.incrementAndGet();
                  }
                  return null;
                }));
      }
      for (Future<?> f : workers) {
        f.get();
      }
    }
    return done.get() / ((System.nanoTime() - start) / 1e9);
  }

  private static double rawWrite(Path file, int blockBytes, int blocks) throws IOException {
    ByteBuffer data = ByteBuffer.allocateDirect(blockBytes);
    byte[] bytes = new byte[blockBytes];
    ThreadLocalRandom.current().nextBytes(bytes);
    data.put(bytes).flip();
    long start = System.nanoTime();
    try (FileChannel channel =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      for (int i = 0; i < blocks; i++) {
        ByteBuffer b = data.duplicate();
        while (b.hasRemaining()) {
          channel.write(b);
        }
      }
      channel.force(false);
    }
    return (double) blocks * blockBytes / ((System.nanoTime() - start) / 1e9);
  }

  private static double rawRead(Path file, int blockBytes) throws IOException {
    ByteBuffer buf = ByteBuffer.allocateDirect(blockBytes);
    long total = 0;
    long start = System.nanoTime();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      while (true) {
        buf.clear();
        int n = channel.read(buf);
        if (n < 0) {
          break;
        }
        total += n;
      }
    }
    return total / ((System.nanoTime() - start) / 1e9);
  }

  /** Drops the page cache (root only); false if not allowed. */
  private static boolean dropCaches() {
    try {
      new ProcessBuilder("sync").start().waitFor();
      Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3\n");
      return true;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  private static String mibs(double bytesPerSecond) {
    return String.format("%.0f", bytesPerSecond / (1 << 20));
  }

  private static String ratio(double value, double baseline) {
    return String.format("%.2f", value / baseline);
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
