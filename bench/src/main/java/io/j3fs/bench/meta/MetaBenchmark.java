package io.j3fs.bench.meta;

import io.j3fs.bench.Table;
import io.j3fs.client.routing.RoutingInfo;
import io.j3fs.common.id.ChainId;
import io.j3fs.common.id.InodeId;
import io.j3fs.common.id.NodeId;
import io.j3fs.common.time.Clock;
import io.j3fs.kv.KvEngine;
import io.j3fs.kv.postgres.PostgresKvConfig;
import io.j3fs.kv.postgres.PostgresKvEngine;
import io.j3fs.kv.rocksdb.RocksDbKvConfig;
import io.j3fs.kv.rocksdb.RocksDbKvEngine;
import io.j3fs.meta.ChunkStorage;
import io.j3fs.meta.MetaSettings;
import io.j3fs.meta.service.MetaServer;
import io.j3fs.meta.store.MetaStore;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.Dispatcher;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcClient;
import io.j3fs.net.RpcServer;
import io.j3fs.net.ServerOptions;
import io.j3fs.net.netty.NettyTransport;
import io.j3fs.proto.debug.EchoReq;
import io.j3fs.proto.debug.EchoRsp;
import io.j3fs.proto.meta.CreateReq;
import io.j3fs.proto.meta.CreateRsp;
import io.j3fs.proto.meta.Inode;
import io.j3fs.proto.meta.InodeType;
import io.j3fs.proto.meta.Layout;
import io.j3fs.proto.meta.ListReq;
import io.j3fs.proto.meta.ListRsp;
import io.j3fs.proto.meta.MkdirsReq;
import io.j3fs.proto.meta.MkdirsRsp;
import io.j3fs.proto.meta.PathAt;
import io.j3fs.proto.meta.RemoveReq;
import io.j3fs.proto.meta.RemoveRsp;
import io.j3fs.proto.meta.RenameReq;
import io.j3fs.proto.meta.RenameRsp;
import io.j3fs.proto.meta.RequestId;
import io.j3fs.proto.meta.StatReq;
import io.j3fs.proto.meta.StatRsp;
import io.j3fs.proto.meta.UserInfo;
import io.j3fs.proto.meta.store.DirEntryRecord;
import io.j3fs.proto.meta.store.InodeRecord;
import io.j3fs.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code j3fs bench meta}: a metadata server on a KV engine behind real RPC on loopback (server and
 * clients in one JVM), N concurrent clients each doing one operation at a time. Rows: create, stat,
 * list of a 1,000-entry directory, rename and unlink, beside two same-run baselines with the same
 * clients: a 1-key read-write transaction on the same engine (what every mutation costs at least)
 * and an RPC echo round trip (what every call costs at least). Then create and stat latency in
 * directories of growing size (RocksDB).
 */
@Command(
    name = "meta",
    mixinStandardHelpOptions = true,
    description =
        "Metadata: operations over RPC on RocksDB and PostgreSQL, beside KV and RPC baselines.")
public final class MetaBenchmark implements Callable<Integer> {
  private static final UserInfo ROOT = UserInfo.getDefaultInstance();

  @Option(names = "--dir", defaultValue = "data/bench-meta", description = "Work directory.")
  Path dir;

  @Option(
      names = "--engines",
      split = ",",
      defaultValue = "rocksdb,postgres",
      description = "KV engines.")
  List<String> engines;

  @Option(
      names = "--clients",
      split = ",",
      defaultValue = "1,4,16",
      description = "Concurrent clients.")
  List<Integer> clients;

  @Option(names = "--seconds", defaultValue = "3", description = "Measured time per cell.")
  double seconds;

  @Option(
      names = "--latency-sizes",
      split = ",",
      defaultValue = "1000,100000,1000000",
      description = "Directory sizes for the latency rows (0: skip them).")
  List<Integer> latencySizes;

  private final AtomicLong requests = new AtomicLong();

  @Override
  public Integer call() throws Exception {
    Files.createDirectories(dir);
    List<String> header = new ArrayList<>(List.of("engine", "workload"));
    for (int c : clients) {
      header.add(c + " clients");
    }
    Table table = new Table(header.toArray(String[]::new));
    Table latency =
        new Table(
            "engine",
            "directory entries",
            "create p50 µs",
            "create p99 µs",
            "stat p50 µs",
            "stat p99 µs");
    PostgresServer postgres = null;
    try {
      for (String name : engines) {
        KvEngine kv;
        if (name.equals("rocksdb")) {
          Path db = dir.resolve("rocksdb");
          deleteTree(db);
          kv = new RocksDbKvEngine(RocksDbKvConfig.at(db));
        } else if (name.equals("postgres")) {
          if (postgres == null) {
            postgres = PostgresServer.start(true);
          }
          kv =
              new PostgresKvEngine(
                  PostgresKvConfig.of(postgres.jdbcUrl(), postgres.user(), "")
                      .withTable("bench_meta_" + System.nanoTime())
                      .withMaxPoolSize(40));
        } else {
          throw new IllegalArgumentException("unknown engine " + name);
        }
        try (kv;
            Served served = new Served(kv)) {
          run(name, served, kv, table);
          if (name.equals("rocksdb") && !latencySizes.isEmpty() && latencySizes.getFirst() > 0) {
            for (int size : latencySizes) {
              latency(name, served, kv, size, latency);
            }
          }
        }
      }
    } finally {
      if (postgres != null) {
        postgres.close();
      }
    }
    System.out.println(table.render());
    System.out.println(latency.render());
    System.out.printf(
        "(ops/s; %.0f s per cell after a 1 s warm-up; one JVM, server and clients on 2 cores)%n",
        seconds);
    return 0;
  }

  /** A metadata server on {@code kv} behind RPC on loopback, with a client to it. */
  private static final class Served implements AutoCloseable {
    final NettyTransport transport = new NettyTransport();
    final Dispatcher dispatcher = new Dispatcher();
    final MetaServer server;
    final RpcServer listener;
    final RpcClient rpc;
    final Endpoint endpoint;

    Served(KvEngine kv) {
      List<ChainId> chains = new ArrayList<>();
      for (int c = 1; c <= 8; c++) {
        chains.add(ChainId.of(c));
      }
      RoutingInfo routing =
          new RoutingInfo(
              1, Map.of(), Map.of(), Map.of(), Map.of(1, new RoutingInfo.ChainTable(1, 1, chains)));
      server =
          new MetaServer(
              new MetaServer.Config(
                  NodeId.of(1), "127.0.0.1:0", MetaSettings.DEFAULT, 60_000, 64, 10_000, 300_000),
              kv,
              Clock.system(),
              null,
              () -> routing,
              new NoChunks());
      server.register(dispatcher);
      listener = transport.serve(Endpoint.loopback(0), dispatcher, ServerOptions.DEFAULT);
      endpoint = listener.endpoint();
      rpc = transport.client(ClientOptions.DEFAULT.withConnectionsPerPeer(2));
    }

    @Override
    public void close() {
      rpc.close();
      listener.close();
      server.close();
      dispatcher.close();
      transport.close();
    }
  }

  /** Storage that holds nothing: these rows measure the namespace alone. */
  private static final class NoChunks implements ChunkStorage {
    @Override
    public long queryLength(InodeId inode, Layout layout) {
      return 0;
    }

    @Override
    public void truncate(InodeId inode, Layout layout, long length) {}

    @Override
    public void removeAll(InodeId inode, Layout layout) {}

    @Override
    public Space space() {
      return new Space(0, 0, 0);
    }
  }

  private RequestId request() {
    return RequestId.newBuilder()
        .setClientId("bench")
        .setRequestId(requests.incrementAndGet())
        .build();
  }

  private static PathAt at(String path) {
    return PathAt.newBuilder().setPath(path).build();
  }

  @FunctionalInterface
  private interface Op {
    void run(int client, long i) throws Exception;
  }

  /** Thrown by an op whose client has nothing left to do (rename and unlink run out of files). */
  private static final class Exhausted extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Exhausted() {
      super(null, null, false, false);
    }
  }

  /** Ops per second of {@code op} with {@code n} clients for {@code secs} (client, sequence). */
  private static double measure(int n, double secs, Op op) throws Exception {
    long end = System.nanoTime() + (long) (secs * 1e9);
    AtomicLong done = new AtomicLong();
    long start = System.nanoTime();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> futures = new ArrayList<>();
      for (int c = 0; c < n; c++) {
        int client = c;
        futures.add(
            pool.submit(
                () -> {
                  try {
                    for (long i = 0; System.nanoTime() < end; i++) {
                      op.run(client, i);
                      done.incrementAndGet();
                    }
                  } catch (Exhausted e) {
                    // this client is done early
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

  private void run(String engine, Served s, KvEngine kv, Table table) throws Exception {
    String[] rows = {
      "create",
      "stat",
      "list 1,000 entries",
      "rename",
      "unlink",
      "baseline: KV 1-key read-write tx",
      "baseline: RPC echo"
    };
    double[][] out = new double[rows.length][clients.size()];
    call(
        s,
        "Meta.Mkdirs",
        MkdirsReq.newBuilder().setUser(ROOT).setPath(at("/list")).setMode(0755).build(),
        MkdirsRsp.class);
    for (int i = 0; i < 1_000; i++) {
      create(s, "/list/f" + i);
    }
    for (int k = 0; k < clients.size(); k++) {
      int n = clients.get(k);
      String d = "/c" + n;
      call(
          s,
          "Meta.Mkdirs",
          MkdirsReq.newBuilder().setUser(ROOT).setPath(at(d)).setMode(0755).build(),
          MkdirsRsp.class);
      long[] made = new long[n];
      measure(n, 1, (c, i) -> create(s, d + "/warm-" + c + "-" + i));
      out[0][k] =
          measure(
              n,
              seconds,
              (c, i) -> {
                create(s, d + "/f-" + c + "-" + i);
                made[c] = i + 1;
              });
      out[1][k] =
          measure(
              n,
              seconds,
              (c, i) -> {
                ThreadLocalRandom r = ThreadLocalRandom.current();
                int who = r.nextInt(n);
                long which = made[who] == 0 ? 0 : r.nextLong(made[who]);
                call(
                    s,
                    "Meta.Stat",
                    StatReq.newBuilder()
                        .setUser(ROOT)
                        .setPath(at(d + "/f-" + who + "-" + which))
                        .build(),
                    StatRsp.class);
              });
      out[2][k] =
          measure(
              n,
              seconds,
              (c, i) ->
                  call(
                      s,
                      "Meta.List",
                      ListReq.newBuilder()
                          .setUser(ROOT)
                          .setPath(at("/list"))
                          .setLimit(1_000)
                          .build(),
                      ListRsp.class));
      long[] renamed = new long[n];
      out[3][k] =
          measure(
              n,
              seconds,
              (c, i) -> {
                if (i >= made[c]) {
                  throw new Exhausted();
                }
                call(
                    s,
                    "Meta.Rename",
                    RenameReq.newBuilder()
                        .setUser(ROOT)
                        .setRequest(request())
                        .setSrc(at(d + "/f-" + c + "-" + i))
                        .setDst(at(d + "/r-" + c + "-" + i))
                        .build(),
                    RenameRsp.class);
                renamed[c] = i + 1;
              });
      out[4][k] =
          measure(
              n,
              seconds,
              (c, i) -> {
                if (i >= renamed[c]) {
                  throw new Exhausted();
                }
                call(
                    s,
                    "Meta.Remove",
                    RemoveReq.newBuilder()
                        .setUser(ROOT)
                        .setRequest(request())
                        .setPath(at(d + "/r-" + c + "-" + i))
                        .build(),
                    RemoveRsp.class);
              });
      out[5][k] =
          measure(
              n,
              seconds,
              (c, i) -> {
                byte[] key =
                    ("bench-kv-" + ThreadLocalRandom.current().nextInt(100_000)).getBytes();
                kv.run(
                    tx -> {
                      tx.get(key);
                      tx.set(key, key);
                      return null;
                    });
              });
      out[6][k] =
          measure(
              n,
              seconds,
              (c, i) ->
                  call(s, "Debug.Echo", EchoReq.newBuilder().setText("x").build(), EchoRsp.class));
    }
    for (int r = 0; r < rows.length; r++) {
      List<String> cells = new ArrayList<>(List.of(engine, rows[r]));
      for (double v : out[r]) {
        cells.add(String.format("%,.0f", v));
      }
      table.add(cells.toArray(String[]::new));
    }
  }

  private void create(Served s, String path) {
    call(
        s,
        "Meta.Create",
        CreateReq.newBuilder()
            .setUser(ROOT)
            .setRequest(request())
            .setPath(at(path))
            .setMode(0644)
            .setFlags(0100 | 0200)
            .build(),
        CreateRsp.class);
  }

  private static <T extends com.google.protobuf.Message> T call(
      Served s, String method, com.google.protobuf.Message req, Class<T> type) {
    return s.rpc.invoke(s.endpoint, method, req, type, 30_000);
  }

  /**
   * Fills a directory with {@code size} entries written straight into the KV (many per transaction,
   * far faster than creating them one by one), then times creates and stats in it.
   */
  private void latency(String engine, Served s, KvEngine kv, int size, Table table)
      throws Exception {
    String name = "lat" + size;
    Inode dir =
        call(
                s,
                "Meta.Mkdirs",
                MkdirsReq.newBuilder().setUser(ROOT).setPath(at("/" + name)).setMode(0755).build(),
                MkdirsRsp.class)
            .getInode();
    long now = System.currentTimeMillis() * 1_000_000L;
    int batch = 500;
    for (int from = 0; from < size; from += batch) {
      int start = from;
      kv.run(
          tx -> {
            for (int i = start; i < Math.min(size, start + batch); i++) {
              long id = (1L << 40) + (long) size * 10 + i;
              Inode inode =
                  Inode.newBuilder()
                      .setId(id)
                      .setType(InodeType.FILE)
                      .setMode(0644)
                      .setNlink(1)
                      .setAtimeNs(now)
                      .setMtimeNs(now)
                      .setCtimeNs(now)
                      .build();
              MetaStore.putInode(tx, InodeRecord.newBuilder().setInode(inode).build());
              MetaStore.putEntry(
                  tx,
                  dir.getId(),
                  String.format("p%09d", i),
                  DirEntryRecord.newBuilder().setInodeId(id).setType(InodeType.FILE).build());
            }
            return null;
          });
    }
    int samples = 2_000;
    long[] creates = new long[samples];
    long[] stats = new long[samples];
    for (int i = 0; i < samples; i++) {
      long t0 = System.nanoTime();
      create(s, "/" + name + "/new" + i);
      creates[i] = System.nanoTime() - t0;
    }
    for (int i = 0; i < samples; i++) {
      String target = String.format("/%s/p%09d", name, ThreadLocalRandom.current().nextInt(size));
      long t0 = System.nanoTime();
      call(
          s,
          "Meta.Stat",
          StatReq.newBuilder().setUser(ROOT).setPath(at(target)).build(),
          StatRsp.class);
      stats[i] = System.nanoTime() - t0;
    }
    table.add(
        engine,
        String.format("%,d", size),
        us(creates, 0.5),
        us(creates, 0.99),
        us(stats, 0.5),
        us(stats, 0.99));
  }

  private static String us(long[] nanos, double q) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return String.format(
        "%,.0f", sorted[(int) Math.min(sorted.length - 1, q * sorted.length)] / 1e3);
  }

  private static void deleteTree(Path root) throws java.io.IOException {
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
