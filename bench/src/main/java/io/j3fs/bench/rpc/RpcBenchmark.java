package io.j3fs.bench.rpc;

import io.j3fs.bench.Table;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.Dispatcher;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcClient;
import io.j3fs.net.RpcServer;
import io.j3fs.net.ServerOptions;
import io.j3fs.net.netty.NettyTransport;
import io.j3fs.proto.WireCatalog;
import io.j3fs.proto.WireMethod;
import io.j3fs.proto.debug.DiscardReq;
import io.j3fs.proto.debug.EchoReq;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * RPC over loopback TCP (Netty, epoll) beside a raw socket pair doing the same exchange in the same
 * run: small round trips with 1 and 64 in flight, and one-way bulk transfer of 1 MiB payloads on 1
 * and 4 connections.
 */
@Command(
    name = "rpc",
    mixinStandardHelpOptions = true,
    description =
        "RPC layer: small round trips and 1 MiB bulk payloads, beside a raw loopback socket.")
public final class RpcBenchmark implements Callable<Integer> {
  @Option(
      names = "--seconds",
      defaultValue = "3",
      description = "Measured seconds per row. Default: ${DEFAULT-VALUE}.")
  double seconds;

  @Option(
      names = "--warmup-seconds",
      defaultValue = "1",
      description = "Warm-up per row. Default: ${DEFAULT-VALUE}.")
  double warmupSeconds;

  @Option(
      names = "--io",
      defaultValue = "EPOLL",
      description = "Netty I/O: EPOLL or NIO. Default: ${DEFAULT-VALUE}.")
  NettyTransport.Io io;

  @Option(
      names = "--bulk-in-flight",
      defaultValue = "8",
      description =
          "1 MiB calls in flight per connection in the bulk rows. Default: ${DEFAULT-VALUE}.")
  int bulkInFlightPerConnection;

  private static final int BULK_BYTES = 1 << 20;

  @Override
  public Integer call() throws Exception {
    Table table = new Table("measure", "j3fs RPC", "raw socket", "RPC / raw");
    try (NettyTransport transport =
            new NettyTransport(io, Runtime.getRuntime().availableProcessors());
        Dispatcher dispatcher = new Dispatcher();
        RpcServer server =
            transport.serve(Endpoint.loopback(0), dispatcher, ServerOptions.DEFAULT)) {
      Endpoint endpoint = server.endpoint();
      for (int inFlight : new int[] {1, 64}) {
        double rpc;
        try (RpcClient client = transport.client(ClientOptions.DEFAULT)) {
          rpc = smallCalls(client, endpoint, inFlight);
        }
        double raw = RawSockets.smallRoundTrips(inFlight, warmupSeconds, seconds);
        report(table, "small round trips/s, " + inFlight + " in flight", rpc, raw, "%,.0f");
      }
      for (int connections : new int[] {1, 4}) {
        double rpc;
        try (RpcClient client =
            transport.client(ClientOptions.DEFAULT.withConnectionsPerPeer(connections))) {
          rpc = bulk(client, endpoint, connections * bulkInFlightPerConnection);
        }
        double raw = RawSockets.bulk(connections, BULK_BYTES, warmupSeconds, seconds);
        report(
            table,
            "bulk 1 MiB payloads, " + connections + " conn (MiB/s)",
            rpc / (1 << 20),
            raw / (1 << 20),
            "%,.0f");
      }
    }
    System.out.println();
    System.out.println(
        "RPC over loopback TCP ("
            + io
            + "), "
            + Runtime.getRuntime().availableProcessors()
            + " cores, "
            + seconds
            + " s per row; bulk keeps "
            + bulkInFlightPerConnection
            + " calls in flight per connection");
    System.out.println(table.render());
    return 0;
  }

  private static void report(Table table, String name, double rpc, double raw, String format) {
    table.add(
        name,
        String.format(format, rpc),
        String.format(format, raw),
        String.format("%.0f%%", 100 * rpc / raw));
    System.out.printf(
        "%-44s rpc %s  raw %s%n", name, String.format(format, rpc), String.format(format, raw));
  }

  /**
   * Echo calls with a one-byte text and no payload, keeping {@code inFlight} outstanding; returns
   * calls per second.
   */
  private double smallCalls(RpcClient client, Endpoint endpoint, int inFlight) throws Exception {
    WireMethod echo = WireCatalog.get().method("Debug.Echo");
    EchoReq request = EchoReq.newBuilder().setText("x").build();
    return closedLoop(
        inFlight,
        done -> client.call(endpoint, echo, request, Unpooled.EMPTY_BUFFER, 10_000),
        reply -> 1);
  }

  /** Discard calls with a 1 MiB payload; returns payload bytes per second. */
  private double bulk(RpcClient client, Endpoint endpoint, int inFlight) throws Exception {
    WireMethod discard = WireCatalog.get().method("Debug.Discard");
    DiscardReq request = DiscardReq.getDefaultInstance();
    ByteBuf block = PooledByteBufAllocator.DEFAULT.directBuffer(BULK_BYTES);
    block.writeZero(BULK_BYTES);
    try {
      return closedLoop(
          inFlight,
          done -> client.call(endpoint, discard, request, block.retainedDuplicate(), 30_000),
          reply -> BULK_BYTES);
    } finally {
      block.release();
    }
  }

  /**
   * Issues calls keeping {@code inFlight} outstanding for warm-up plus the measured time; returns
   * units per second.
   */
  private double closedLoop(
      int inFlight,
      java.util.function.Function<
              Void, java.util.concurrent.CompletableFuture<io.j3fs.net.RpcReply>>
          issue,
      java.util.function.ToLongFunction<io.j3fs.net.RpcReply> units)
      throws Exception {
    Semaphore slots = new Semaphore(inFlight);
    AtomicLong counted = new AtomicLong();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    long start = System.nanoTime();
    long measureFrom = start + (long) (warmupSeconds * 1e9);
    long end = measureFrom + (long) (seconds * 1e9);
    while (System.nanoTime() < end && failure.get() == null) {
      if (!slots.tryAcquire(1, TimeUnit.SECONDS)) {
        continue;
      }
      issue
          .apply(null)
          .whenComplete(
              (reply, error) -> {
                if (error != null) {
                  failure.compareAndSet(null, error);
                } else {
                  long now = System.nanoTime();
                  if (now >= measureFrom && now < end) {
                    counted.addAndGet(units.applyAsLong(reply));
                  }
                  reply.close();
                }
                slots.release();
              });
    }
    slots.acquire(inFlight);
    if (failure.get() != null) {
      throw new IllegalStateException("benchmark call failed", failure.get());
    }
    return counted.get() / seconds;
  }
}
