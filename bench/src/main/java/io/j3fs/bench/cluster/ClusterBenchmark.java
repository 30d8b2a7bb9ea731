package io.j3fs.bench.cluster;

import io.j3fs.bench.RawDisk;
import io.j3fs.bench.Table;
import io.j3fs.bench.rpc.RawSockets;
import io.j3fs.client.file.J3fsClient;
import io.j3fs.client.mgmtd.MgmtdClient;
import io.j3fs.common.cluster.NodeType;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcClient;
import io.j3fs.net.netty.NettyTransport;
import io.j3fs.proto.debug.EchoReq;
import io.j3fs.proto.debug.EchoRsp;
import io.j3fs.proto.meta.UserInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code j3fs bench cluster}: a running cluster (by default the one {@code j3fs up} started) seen
 * by a client, through the file API: sequential write and read of one file, 4 KiB random reads in
 * asynchronous batches, creates and stats; each beside a baseline measured in the same run on this
 * machine (raw disk, raw loopback socket, RPC echo to the metadata server). Prints each row as it
 * finishes, then the table, or JSON with {@code --json}.
 */
@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    description =
        "A running cluster through the file client, beside raw disk and loopback baselines.")
public final class ClusterBenchmark implements Callable<Integer> {
  @Option(
      names = "--mgmtd",
      defaultValue = "127.0.0.1:9000",
      description = "Mgmtd address (default: j3fs up's).")
  String mgmtd;

  @Option(names = "--mib", defaultValue = "512", description = "MiB of the file written and read.")
  int mib;

  @Option(
      names = "--seconds",
      defaultValue = "4",
      description = "Time of the random-read and metadata rows.")
  double seconds;

  @Option(names = "--queue-depth", defaultValue = "32", description = "Random reads outstanding.")
  int queueDepth;

  @Option(names = "--clients", defaultValue = "16", description = "Concurrent metadata clients.")
  int clients;

  @Option(
      names = "--dir",
      defaultValue = "data/bench-cluster",
      description = "Local directory for the raw-disk baselines.")
  Path dir;

  @Option(names = "--json", description = "Print JSON instead of a table.")
  boolean json;

  private final Table table = new Table("workload", "j3fs", "baseline", "baseline kind", "ratio");

  @Override
  public Integer call() throws Exception {
    Files.createDirectories(dir);
    String base = "/bench-" + UUID.randomUUID();
    try (NettyTransport transport = new NettyTransport();
        RpcClient rpc = transport.client(ClientOptions.DEFAULT.withConnectionsPerPeer(2))) {
      MgmtdClient mgmtdClient =
          new MgmtdClient(rpc, MgmtdClient.Config.of(List.of(Endpoint.parse(mgmtd))));
      mgmtdClient.refreshRouting();
      try (J3fsClient client =
          new J3fsClient(
              rpc, mgmtdClient, "bench-" + UUID.randomUUID(), UserInfo.getDefaultInstance())) {
        client.mkdirs(base, 0755);
        sequential(client, base + "/seq.bin");
        random(client, base + "/seq.bin");
        metadata(client, rpc, mgmtdClient, base);
        client.remove(base, true);
      }
    }
    System.out.println(json ? table.json() : table.render());
    return 0;
  }

  private void row(String workload, double value, double baseline, String kind, String unit) {
    String v = String.format("%,.0f %s", value, unit);
    String b = String.format("%,.0f %s", baseline, unit);
    table.add(workload, v, b, kind, String.format("%.2f", value / baseline));
    System.err.printf("%-32s %s (baseline %s, %s)%n", workload, v, b, kind);
  }

  private void sequential(J3fsClient client, String path) throws Exception {
    int step = 16 << 20;
    long bytes = (long) mib << 20;
    byte[] data = new byte[step];
    ThreadLocalRandom.current().nextBytes(data);
    long start = System.nanoTime();
    try (J3fsClient.J3fsFile file = client.create(path, 0644)) {
      for (long at = 0; at < bytes; at += step) {
        file.write(at, Unpooled.wrappedBuffer(data, 0, (int) Math.min(step, bytes - at)));
        System.err.printf("\rwriting %d/%d MiB", (at + step) >> 20, mib);
      }
    }
    double write = bytes / ((System.nanoTime() - start) / 1e9);
    System.err.println();
    Path raw = dir.resolve("raw.bin");
    double rawWrite = RawDisk.write(raw, step, (int) (bytes / step));
    row(
        "seq write, 3 replicas",
        write / (1 << 20),
        rawWrite / 3 / (1 << 20),
        "raw disk write / 3",
        "MiB/s");
    start = System.nanoTime();
    try (J3fsClient.J3fsFile file = client.open(path, false)) {
      for (long at = 0; at < bytes; at += step) {
        ByteBuf got = file.read(at, step);
        got.release();
      }
    }
    double read = bytes / ((System.nanoTime() - start) / 1e9);
    double socket = RawSockets.bulk(1, 4 << 20, 0.5, 2);
    row("seq read", read / (1 << 20), socket / (1 << 20), "raw loopback socket", "MiB/s");
    Files.deleteIfExists(raw);
  }

  private void random(J3fsClient client, String path) throws Exception {
    long bytes = (long) mib << 20;
    int batch = queueDepth;
    long end = System.nanoTime() + (long) (seconds * 1e9);
    long done = 0;
    long start = System.nanoTime();
    try (J3fsClient.J3fsFile file = client.open(path, false)) {
      while (System.nanoTime() < end) {
        List<J3fsClient.BatchRead> reads = new ArrayList<>(batch);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < batch; i++) {
          reads.add(
              new J3fsClient.BatchRead(
                  file, random.nextLong(bytes / 4096) * 4096, ByteBuffer.allocateDirect(4096)));
        }
        client.readBatch(reads).get();
        done += batch;
      }
    }
    double rate = done / ((System.nanoTime() - start) / 1e9);
    Path raw = dir.resolve("raw-random.bin");
    RawDisk.write(raw, 16 << 20, (int) (bytes / (16 << 20)));
    RawDisk.dropCaches();
    double rawRandom = RawDisk.randomDirect(raw, bytes, queueDepth, seconds);
    row(
        "4 KiB random reads, qd " + queueDepth,
        rate,
        rawRandom,
        "raw O_DIRECT pread, same qd",
        "reads/s");
    Files.deleteIfExists(raw);
  }

  private void metadata(J3fsClient client, RpcClient rpc, MgmtdClient mgmtd, String base)
      throws Exception {
    AtomicLong created = new AtomicLong();
    double creates =
        measure(
            (c, i) -> {
              client.create(base + "/m" + c + "-" + i, 0644).close();
              created.incrementAndGet();
            });
    double stats = measure((c, i) -> client.stat(base + "/m" + c + "-0"));
    Endpoint meta = mgmtd.routing().nodesOfType(NodeType.META).getFirst().endpoint();
    double echo =
        measure(
            (c, i) ->
                rpc.invoke(
                    meta,
                    "Debug.Echo",
                    EchoReq.newBuilder().setText("x").build(),
                    EchoRsp.class,
                    10_000));
    row(
        "creates, " + clients + " clients",
        creates,
        echo,
        "RPC echo to meta, same clients",
        "ops/s");
    row("stats, " + clients + " clients", stats, echo, "RPC echo to meta, same clients", "ops/s");
  }

  @FunctionalInterface
  private interface Op {
    void run(int client, long i) throws Exception;
  }

  private double measure(Op op) throws Exception {
    long end = System.nanoTime() + (long) (seconds * 1e9);
    AtomicLong done = new AtomicLong();
    long start = System.nanoTime();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> futures = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        int client = c;
        futures.add(
            pool.submit(
                () -> {
                  for (long i = 0; System.nanoTime() < end; i++) {
                    op.run(client, i);
                    done.incrementAndGet();
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    }
    return done.get() / ((System.nanoTime() - start) / 1e9);
  }
}
