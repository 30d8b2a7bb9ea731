package io.j3fs.net;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.proto.WireCatalog;
import io.j3fs.proto.WireMethod;
import io.j3fs.proto.debug.EchoReq;
import io.j3fs.proto.debug.EchoRsp;
import io.j3fs.proto.debug.FailReq;
import io.j3fs.proto.debug.SleepReq;
import io.j3fs.proto.meta.StatFsReq;
import io.j3fs.proto.meta.StatFsRsp;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every transport does, run unchanged against Netty (epoll and NIO) and the in-process
 * network: round trips with payloads, statuses, deadlines, back-pressure, cancellation, server loss
 * and restart, tokens, file payloads. No test may leak a buffer.
 */
@ExtendWith(LeakCounter.class)
public abstract class RpcContractTest {
  protected RpcTransport transport;
  protected Dispatcher dispatcher;
  protected RpcServer server;
  protected RpcClient client;
  @TempDir Path dir;

  protected abstract RpcTransport newTransport();

  @BeforeEach
  void start() {
    transport = newTransport();
    dispatcher = new Dispatcher();
    dispatcher.register(
        "Meta.StatFs",
        request -> {
          throw new IllegalStateException("secret internal detail");
        });
    server = transport.serve(Endpoint.loopback(0), dispatcher, ServerOptions.DEFAULT);
    client = transport.client(ClientOptions.DEFAULT);
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
    dispatcher.close();
    transport.close();
  }

  protected static ByteBuf bytes(byte[] data) {
    ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(data.length);
    buf.writeBytes(data);
    return buf;
  }

  protected CompletableFuture<RpcReply> echo(
      RpcClient on, String text, ByteBuf payload, long timeoutMs) {
    return on.call(
        server.endpoint(),
        WireCatalog.get().method("Debug.Echo"),
        EchoReq.newBuilder().setText(text).build(),
        payload,
        timeoutMs);
  }

  protected static StatusException failure(CompletableFuture<?> future)
      throws InterruptedException {
    try {
      future.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(StatusException.class);
      return (StatusException) e.getCause();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("call neither completed nor failed within 30 s");
    }
    throw new AssertionError("call succeeded but was expected to fail");
  }

  @Test
  void echoRoundTripsMessageAndPayload() throws Exception {
    byte[] data = new byte[100_000];
    new Random(1).nextBytes(data);
    try (RpcReply reply = echo(client, "hello", bytes(data), 5_000).get(10, TimeUnit.SECONDS)) {
      assertThat(reply.message(EchoRsp.class).getText()).isEqualTo("hello");
      assertThat(ByteBufUtil.getBytes(reply.payload())).isEqualTo(data);
    }
    try (RpcReply reply =
        echo(client, "", Unpooled.EMPTY_BUFFER, 5_000).get(10, TimeUnit.SECONDS)) {
      assertThat(reply.message(EchoRsp.class).getText()).isEmpty();
      assertThat(reply.payload().readableBytes()).isZero();
    }
  }

  @Test
  void largePayloadsRoundTrip() throws Exception {
    byte[] data = new byte[8 << 20];
    new Random(2).nextBytes(data);
    try (RpcReply reply = echo(client, "big", bytes(data), 20_000).get(30, TimeUnit.SECONDS)) {
      assertThat(ByteBufUtil.getBytes(reply.payload())).isEqualTo(data);
    }
  }

  @Test
  void handlerStatusesTravelAsCodeAndMessage() throws Exception {
    CompletableFuture<RpcReply> call =
        client.call(
            server.endpoint(),
            "Debug.Fail",
            FailReq.newBuilder()
                .setCode(StatusCode.NOT_FOUND.number())
                .setMessage("no such file")
                .build(),
            5_000);
    StatusException e = failure(call);
    assertThat(e.code()).isEqualTo(StatusCode.NOT_FOUND);
    assertThat(e.getMessage()).isEqualTo("no such file");
  }

  @Test
  void handlerCrashesAnswerInternalWithoutExceptionText() throws Exception {
    StatusException e =
        failure(
            client.call(server.endpoint(), "Meta.StatFs", StatFsReq.getDefaultInstance(), 5_000));
    assertThat(e.code()).isEqualTo(StatusCode.INTERNAL);
    assertThat(e.getMessage()).contains("Meta.StatFs").doesNotContain("secret internal detail");
  }

  /**
   * An inline handler answers on the thread that read the request; when it declines (null, or a
   * retriable failure) the ordinary handler answers on a virtual thread; its other failures are the
   * answer.
   */
  @Test
  void inlineHandlersAnswerOrHandTheRequestOn() throws Exception {
    java.util.Map<String, Boolean> virtualThread = new java.util.concurrent.ConcurrentHashMap<>();
    dispatcher.registerInline(
        "Meta.Lookup",
        request -> {
          String name = request.message(io.j3fs.proto.meta.LookupReq.class).getName();
          virtualThread.put(name + "/inline", Thread.currentThread().isVirtual());
          return switch (name) {
            case "decline" -> null;
            case "retry" -> throw new StatusException(StatusCode.UNAVAILABLE, "store busy");
            case "missing" -> throw new StatusException(StatusCode.NOT_FOUND, "no missing");
            default ->
                RpcResponse.of(
                    io.j3fs.proto.meta.LookupRsp.newBuilder()
                        .setInode(io.j3fs.proto.meta.Inode.newBuilder().setId(1))
                        .build());
          };
        },
        request -> {
          String name = request.message(io.j3fs.proto.meta.LookupReq.class).getName();
          virtualThread.put(name + "/worker", Thread.currentThread().isVirtual());
          return RpcResponse.of(
              io.j3fs.proto.meta.LookupRsp.newBuilder()
                  .setInode(io.j3fs.proto.meta.Inode.newBuilder().setId(2))
                  .build());
        });
    for (String name : List.of("inline", "decline", "retry", "missing")) {
      CompletableFuture<RpcReply> call =
          client.call(
              server.endpoint(),
              "Meta.Lookup",
              io.j3fs.proto.meta.LookupReq.newBuilder().setName(name).build(),
              5_000);
      if (name.equals("missing")) {
        assertThat(failure(call).code()).isEqualTo(StatusCode.NOT_FOUND);
        continue;
      }
      try (RpcReply reply = call.get(10, TimeUnit.SECONDS)) {
        long id = reply.message(io.j3fs.proto.meta.LookupRsp.class).getInode().getId();
        assertThat(id).as(name).isEqualTo(name.equals("inline") ? 1 : 2);
      }
    }
    assertThat(virtualThread)
        .containsEntry("inline/inline", false)
        .containsEntry("decline/worker", true)
        .containsEntry("retry/worker", true)
        .doesNotContainKeys("inline/worker", "missing/worker");
  }

  /**
   * A deferred inline handler's answer goes out when its future completes, not before; a failed
   * future is answered with its status; declining (null, or a retriable failure) hands the request
   * to the ordinary handler.
   */
  @Test
  void deferredInlineHandlersAnswerWhenTheirFutureCompletes() throws Exception {
    CompletableFuture<RpcResponse> later = new CompletableFuture<>();
    java.util.Map<String, Boolean> ran = new java.util.concurrent.ConcurrentHashMap<>();
    dispatcher.registerInlineDeferred(
        "Meta.Lookup",
        request -> {
          String name = request.message(io.j3fs.proto.meta.LookupReq.class).getName();
          ran.put(name + "/inline", true);
          return switch (name) {
            case "later" -> later;
            case "decline" -> null;
            case "retry" -> throw new StatusException(StatusCode.BUSY, "try elsewhere");
            case "unknown" ->
                CompletableFuture.failedFuture(
                    new StatusException(StatusCode.COMMIT_UNKNOWN, "not known durable"));
            default -> throw new StatusException(StatusCode.NOT_FOUND, "no " + name);
          };
        },
        request -> {
          String name = request.message(io.j3fs.proto.meta.LookupReq.class).getName();
          ran.put(name + "/worker", true);
          return RpcResponse.of(
              io.j3fs.proto.meta.LookupRsp.newBuilder()
                  .setInode(io.j3fs.proto.meta.Inode.newBuilder().setId(2))
                  .build());
        });
    java.util.function.Function<String, CompletableFuture<RpcReply>> lookup =
        name ->
            client.call(
                server.endpoint(),
                "Meta.Lookup",
                io.j3fs.proto.meta.LookupReq.newBuilder().setName(name).build(),
                10_000);
    CompletableFuture<RpcReply> waiting = lookup.apply("later");
    for (String name : List.of("decline", "retry")) {
      try (RpcReply reply = lookup.apply(name).get(10, TimeUnit.SECONDS)) {
        assertThat(reply.message(io.j3fs.proto.meta.LookupRsp.class).getInode().getId())
            .as(name)
            .isEqualTo(2);
      }
    }
    assertThat(failure(lookup.apply("unknown")).code()).isEqualTo(StatusCode.COMMIT_UNKNOWN);
    assertThat(failure(lookup.apply("missing")).code()).isEqualTo(StatusCode.NOT_FOUND);
    assertThat(waiting).as("no answer before its future completes").isNotDone();
    later.complete(
        RpcResponse.of(
            io.j3fs.proto.meta.LookupRsp.newBuilder()
                .setInode(io.j3fs.proto.meta.Inode.newBuilder().setId(1))
                .build()));
    try (RpcReply reply = waiting.get(10, TimeUnit.SECONDS)) {
      assertThat(reply.message(io.j3fs.proto.meta.LookupRsp.class).getInode().getId()).isEqualTo(1);
    }
    assertThat(ran)
        .containsKeys("decline/worker", "retry/worker")
        .doesNotContainKeys("later/worker", "unknown/worker", "missing/worker");
  }

  /** A method may run on a pool of its own; when the pool refuses, on a virtual thread. */
  @Test
  void handlersRunOnTheirOwnPoolOrElseOnAVirtualThread() throws Exception {
    java.util.Map<String, String> threads = new java.util.concurrent.ConcurrentHashMap<>();
    boolean[] refuse = {false};
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("own-pool").factory());
    try {
      dispatcher.register(
          "Meta.Lookup",
          request -> {
            String name = request.message(io.j3fs.proto.meta.LookupReq.class).getName();
            Thread t = Thread.currentThread();
            threads.put(name, t.isVirtual() ? "virtual" : t.getName());
            return RpcResponse.of(io.j3fs.proto.meta.LookupRsp.getDefaultInstance());
          },
          task -> {
            if (refuse[0]) {
              throw new java.util.concurrent.RejectedExecutionException("full");
            }
            pool.execute(task);
          });
      for (String name : List.of("pooled", "refused")) {
        refuse[0] = name.equals("refused");
        client
            .call(
                server.endpoint(),
                "Meta.Lookup",
                io.j3fs.proto.meta.LookupReq.newBuilder().setName(name).build(),
                5_000)
            .get(10, TimeUnit.SECONDS)
            .close();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(threads).containsEntry("pooled", "own-pool").containsEntry("refused", "virtual");
  }

  @Test
  void methodsWithoutHandlerAnswerUnknownMethod() throws Exception {
    StatusException e =
        failure(
            client.call(
                server.endpoint(),
                "Meta.Stat",
                io.j3fs.proto.meta.StatReq.getDefaultInstance(),
                5_000));
    assertThat(e.code()).isEqualTo(StatusCode.UNKNOWN_METHOD);
  }

  @Test
  void deadlinesExpireWithTimeout() throws Exception {
    long start = System.nanoTime();
    StatusException e =
        failure(
            client.call(
                server.endpoint(),
                "Debug.Sleep",
                SleepReq.newBuilder().setSleepMs(5_000).build(),
                200));
    assertThat(e.code()).isEqualTo(StatusCode.TIMEOUT);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(3_000);
    // The connection is still fine.
    try (RpcReply reply =
        echo(client, "after", Unpooled.EMPTY_BUFFER, 5_000).get(10, TimeUnit.SECONDS)) {
      assertThat(reply.message(EchoRsp.class).getText()).isEqualTo("after");
    }
  }

  @Test
  void aThousandConcurrentCallsShareOneConnection() throws Exception {
    List<CompletableFuture<RpcReply>> calls = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      calls.add(echo(client, "call-" + i, bytes(("payload-" + i).getBytes(UTF_8)), 30_000));
    }
    for (int i = 0; i < calls.size(); i++) {
      try (RpcReply reply = calls.get(i).get(60, TimeUnit.SECONDS)) {
        assertThat(reply.message(EchoRsp.class).getText()).isEqualTo("call-" + i);
        assertThat(reply.payload().toString(UTF_8)).isEqualTo("payload-" + i);
      }
    }
  }

  @Test
  void callsOverTheInFlightBoundAnswerBusy() throws Exception {
    try (RpcClient small =
        transport.client(ClientOptions.DEFAULT.withMaxInFlightPerConnection(3))) {
      List<CompletableFuture<RpcReply>> sleeping = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        sleeping.add(
            small.call(
                server.endpoint(),
                "Debug.Sleep",
                SleepReq.newBuilder().setSleepMs(500).build(),
                5_000));
      }
      ByteBuf payload = bytes(new byte[10]);
      StatusException busy = failure(echo(small, "one too many", payload, 5_000));
      assertThat(busy.code()).isEqualTo(StatusCode.BUSY);
      assertThat(payload.refCnt()).as("payload of a refused call is released").isZero();
      for (CompletableFuture<RpcReply> call : sleeping) {
        call.get(10, TimeUnit.SECONDS).close();
      }
      echo(small, "room again", Unpooled.EMPTY_BUFFER, 5_000).get(10, TimeUnit.SECONDS).close();
    }
  }

  @Test
  void cancellingACallFreesItsSlot() throws Exception {
    try (RpcClient single =
        transport.client(ClientOptions.DEFAULT.withMaxInFlightPerConnection(1))) {
      CompletableFuture<RpcReply> slow =
          single.call(
              server.endpoint(),
              "Debug.Sleep",
              SleepReq.newBuilder().setSleepMs(2_000).build(),
              10_000);
      assertThat(slow.cancel(true)).isTrue();
      try (RpcReply reply =
          echo(single, "next", Unpooled.EMPTY_BUFFER, 5_000).get(10, TimeUnit.SECONDS)) {
        assertThat(reply.message(EchoRsp.class).getText()).isEqualTo("next");
      }
    }
  }

  @Test
  void losingTheServerMidCallFailsRetriablyAndRestartRecovers() throws Exception {
    echo(client, "warm", Unpooled.EMPTY_BUFFER, 5_000).get(10, TimeUnit.SECONDS).close();
    Endpoint endpoint = server.endpoint();
    CompletableFuture<RpcReply> inFlight =
        client.call(
            endpoint, "Debug.Sleep", SleepReq.newBuilder().setSleepMs(3_000).build(), 30_000);
    Thread.sleep(100);
    long start = System.nanoTime();
    server.close();
    StatusException lost = failure(inFlight);
    assertThat(lost.retriable()).as("status %s", lost.code()).isTrue();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5_000);

    server = transport.serve(endpoint, dispatcher, ServerOptions.DEFAULT);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try (RpcReply reply =
          echo(client, "back", Unpooled.EMPTY_BUFFER, 2_000).get(10, TimeUnit.SECONDS)) {
        assertThat(reply.message(EchoRsp.class).getText()).isEqualTo("back");
        break;
      } catch (ExecutionException e) {
        StatusException status = (StatusException) e.getCause();
        assertThat(status.retriable()).as("status %s while reconnecting", status.code()).isTrue();
        assertThat(System.nanoTime()).as("reconnected within 10 s").isLessThan(deadline);
        Thread.sleep(50);
      }
    }
  }

  @Test
  void tokensAreRequiredWhenConfigured() throws Exception {
    RpcServer guarded =
        transport.serve(
            Endpoint.loopback(0), dispatcher, ServerOptions.DEFAULT.withToken("s3cret"));
    try (RpcClient none = transport.client(ClientOptions.DEFAULT);
        RpcClient wrong = transport.client(ClientOptions.DEFAULT.withToken("guess"));
        RpcClient right = transport.client(ClientOptions.DEFAULT.withToken("s3cret"))) {
      WireMethod echoMethod = WireCatalog.get().method("Debug.Echo");
      EchoReq hi = EchoReq.newBuilder().setText("hi").build();
      StatusException noToken =
          failure(none.call(guarded.endpoint(), echoMethod, hi, Unpooled.EMPTY_BUFFER, 5_000));
      assertThat(noToken.code()).isEqualTo(StatusCode.PERMISSION_DENIED);
      assertThat(noToken.getMessage()).contains("token is required");
      StatusException badToken =
          failure(wrong.call(guarded.endpoint(), echoMethod, hi, Unpooled.EMPTY_BUFFER, 5_000));
      assertThat(badToken.code()).isEqualTo(StatusCode.PERMISSION_DENIED);
      assertThat(badToken.getMessage()).contains("wrong token");
      try (RpcReply reply =
          right
              .call(guarded.endpoint(), echoMethod, hi, Unpooled.EMPTY_BUFFER, 5_000)
              .get(10, TimeUnit.SECONDS)) {
        assertThat(reply.message(EchoRsp.class).getText()).isEqualTo("hi");
      }
    } finally {
      guarded.close();
    }
  }

  @Test
  void filePayloadsAreSentFromTheFile() throws Exception {
    byte[] data = new byte[300_000];
    new Random(3).nextBytes(data);
    Path file = Files.write(dir.resolve("chunk"), data);
    dispatcher.register(
        "Storage.BatchRead",
        request -> {
          try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
            return RpcResponse.ofFile(
                io.j3fs.proto.storage.BatchReadRsp.getDefaultInstance(),
                channel,
                1000,
                200_000,
                () -> {
                  try {
                    channel.close();
                  } catch (java.io.IOException ignored) {
                    // the test's file
                  }
                });
          } catch (java.io.IOException e) {
            throw new StatusException(StatusCode.INTERNAL, "cannot open " + file);
          }
        });
    try (RpcReply reply = batchRead()) {
      byte[] expected = java.util.Arrays.copyOfRange(data, 1000, 201_000);
      assertThat(ByteBufUtil.getBytes(reply.payload())).isEqualTo(expected);
    }
  }

  private RpcReply batchRead() throws Exception {
    return client
        .call(
            server.endpoint(),
            "Storage.BatchRead",
            io.j3fs.proto.storage.BatchReadReq.getDefaultInstance(),
            5_000)
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void partsOfFilesAndBuffersTravelAsOnePayloadAndTheFileStaysOpen() throws Exception {
    byte[] data = new byte[300_000];
    new Random(4).nextBytes(data);
    Path file = Files.write(dir.resolve("shared"), data);
    java.util.concurrent.atomic.AtomicInteger done =
        new java.util.concurrent.atomic.AtomicInteger();
    try (FileChannel shared = FileChannel.open(file, StandardOpenOption.READ)) {
      dispatcher.register(
          "Storage.BatchRead",
          request ->
              RpcResponse.ofParts(
                  io.j3fs.proto.storage.BatchReadRsp.getDefaultInstance(),
                  java.util.List.of(
                      Unpooled.copiedBuffer(new byte[] {1, 2, 3}),
                      new FilePayload(shared, 10, 100_000, done::incrementAndGet),
                      new FilePayload(shared, 0, 0, done::incrementAndGet),
                      Unpooled.copiedBuffer(new byte[] {4}),
                      new FilePayload(shared, 200_000, 100_000, done::incrementAndGet))));
      for (int call = 0; call < 3; call++) {
        try (RpcReply reply = batchRead()) {
          java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
          expected.write(new byte[] {1, 2, 3});
          expected.write(data, 10, 100_000);
          expected.write(4);
          expected.write(data, 200_000, 100_000);
          assertThat(ByteBufUtil.getBytes(reply.payload())).isEqualTo(expected.toByteArray());
        }
      }
      // Each file range is given back once, after it was sent; the shared channel is not closed.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (done.get() < 9 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(done.get()).isEqualTo(9);
      assertThat(shared.isOpen()).isTrue();
    }
  }

  @Test
  void callsToNowhereFailRetriably() throws Exception {
    RpcServer doomed = transport.serve(Endpoint.loopback(0), dispatcher, ServerOptions.DEFAULT);
    Endpoint gone = doomed.endpoint();
    doomed.close();
    StatusException e =
        failure(
            echo(client, "x", Unpooled.EMPTY_BUFFER, 3_000)
                .thenCompose(
                    r -> {
                      r.close();
                      return client.call(gone, "Debug.Echo", EchoReq.getDefaultInstance(), 3_000);
                    }));
    assertThat(e.retriable()).as("status %s", e.code()).isTrue();
    assertThatThrownBy(() -> Endpoint.parse("nohost")).isInstanceOf(IllegalArgumentException.class);
  }

  /** Keeps the StatFsRsp import meaningful: the catalog's prototypes are the generated classes. */
  @Test
  void catalogPrototypesAreGeneratedClasses() {
    assertThat(WireCatalog.get().method("Meta.StatFs").responsePrototype())
        .isEqualTo(StatFsRsp.getDefaultInstance());
  }
}
