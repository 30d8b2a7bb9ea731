package io.j3fs.net.inproc;

import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.Dispatcher;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcClient;
import io.j3fs.net.RpcReply;
import io.j3fs.net.RpcResponse;
import io.j3fs.net.RpcServer;
import io.j3fs.net.ServerOptions;
import io.j3fs.proto.debug.EchoReq;
import io.j3fs.proto.debug.EchoRsp;
import io.j3fs.proto.meta.StatFsReq;
import io.j3fs.proto.meta.StatFsRsp;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The in-process network's injected faults: drops, duplicates, reordering delays and partitions,
 * from a seed.
 */
class InProcessFaultsTest {
  private static final long SEED = 7;

  private static StatusException failure(CompletableFuture<RpcReply> call) throws Exception {
    try {
      call.get(30, TimeUnit.SECONDS).close();
    } catch (ExecutionException e) {
      return (StatusException) e.getCause();
    }
    throw new AssertionError("expected a failure");
  }

  @Test
  void droppedMessagesTimeOutAndPartitionsRefuse() throws Exception {
    try (InProcessNetwork network = new InProcessNetwork(SEED);
        Dispatcher dispatcher = new Dispatcher()) {
      RpcServer server =
          network.serve(new Endpoint("node-1", 0), dispatcher, ServerOptions.DEFAULT);
      RpcClient client =
          network.client(
              new ClientOptions(
                  1, 4096, 1000, 1, 10, "", null, io.j3fs.net.FrameLimits.DEFAULT, "client"));
      network.setDefaultFaults(new LinkFaults(0, 0, 1.0, 0, false));
      StatusException dropped =
          failure(client.call(server.endpoint(), "Debug.Echo", EchoReq.getDefaultInstance(), 200));
      assertThat(dropped.code()).isEqualTo(StatusCode.TIMEOUT);

      network.setDefaultFaults(LinkFaults.PARTITIONED);
      RpcClient fresh = network.client(ClientOptions.DEFAULT);
      StatusException partitioned =
          failure(fresh.call(server.endpoint(), "Debug.Echo", EchoReq.getDefaultInstance(), 200));
      assertThat(partitioned.code()).isEqualTo(StatusCode.UNAVAILABLE);

      network.setDefaultFaults(LinkFaults.NONE);
      try (RpcReply reply =
          fresh
              .call(
                  server.endpoint(),
                  "Debug.Echo",
                  EchoReq.newBuilder().setText("healed").build(),
                  1_000)
              .get(10, TimeUnit.SECONDS)) {
        assertThat(reply.message(EchoRsp.class).getText()).isEqualTo("healed");
      }
      client.close();
      fresh.close();
      server.close();
    }
  }

  @Test
  void duplicatesRunTheHandlerTwiceButAnswerOnce() throws Exception {
    try (InProcessNetwork network = new InProcessNetwork(SEED);
        Dispatcher dispatcher = new Dispatcher()) {
      AtomicInteger executions = new AtomicInteger();
      dispatcher.register(
          "Meta.StatFs",
          request -> {
            executions.incrementAndGet();
            return RpcResponse.of(StatFsRsp.getDefaultInstance());
          });
      RpcServer server =
          network.serve(new Endpoint("node-1", 0), dispatcher, ServerOptions.DEFAULT);
      network.setDefaultFaults(new LinkFaults(0, 0, 0, 1.0, false));
      RpcClient client = network.client(ClientOptions.DEFAULT);
      client
          .call(server.endpoint(), "Meta.StatFs", StatFsReq.getDefaultInstance(), 2_000)
          .get(10, TimeUnit.SECONDS)
          .close();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (executions.get() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(executions.get())
          .as("the duplicated request reached the handler twice")
          .isEqualTo(2);
      client.close();
      server.close();
    }
  }

  @Test
  void randomDelaysReorderButEveryCallGetsItsOwnAnswer() throws Exception {
    try (InProcessNetwork network = new InProcessNetwork(SEED);
        Dispatcher dispatcher = new Dispatcher()) {
      RpcServer server =
          network.serve(new Endpoint("node-1", 0), dispatcher, ServerOptions.DEFAULT);
      network.setDefaultFaults(new LinkFaults(0, 20, 0, 0.2, false));
      RpcClient client = network.client(ClientOptions.DEFAULT);
      List<CompletableFuture<RpcReply>> calls = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        calls.add(
            client.call(
                server.endpoint(),
                "Debug.Echo",
                EchoReq.newBuilder().setText("m" + i).build(),
                10_000));
      }
      List<Integer> completionOrder = java.util.Collections.synchronizedList(new ArrayList<>());
      for (int i = 0; i < calls.size(); i++) {
        int index = i;
        calls.get(i).thenAccept(reply -> completionOrder.add(index));
      }
      for (int i = 0; i < calls.size(); i++) {
        try (RpcReply reply = calls.get(i).get(30, TimeUnit.SECONDS)) {
          assertThat(reply.message(EchoRsp.class).getText()).isEqualTo("m" + i);
        }
      }
      assertThat(completionOrder)
          .hasSize(300)
          .isNotEqualTo(completionOrder.stream().sorted().toList());
      client.close();
      server.close();
    }
  }
}
