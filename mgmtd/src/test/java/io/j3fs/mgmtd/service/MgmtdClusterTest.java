package io.j3fs.mgmtd.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.common.id.NodeId;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.common.time.ManualClock;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.Dispatcher;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcClient;
import io.j3fs.net.RpcReply;
import io.j3fs.net.ServerOptions;
import io.j3fs.net.inproc.InProcessNetwork;
import io.j3fs.proto.mgmtd.GetPrimaryMgmtdReq;
import io.j3fs.proto.mgmtd.GetPrimaryMgmtdRsp;
import io.j3fs.proto.mgmtd.GetRoutingInfoReq;
import io.j3fs.proto.mgmtd.GetRoutingInfoRsp;
import io.j3fs.proto.mgmtd.HeartbeatReq;
import io.j3fs.proto.mgmtd.LocalTargetInfo;
import io.j3fs.proto.mgmtd.RegisterNodeReq;
import io.j3fs.proto.mgmtd.RoutingChain;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three mgmtd instances on one KV store (memory, or RocksDB as in a single-process deployment) and
 * an in-process network, storage nodes that heartbeat over RPC and a client that follows routing
 * info, all under a manual clock: minutes of cluster life in about a second.
 */
abstract class MgmtdClusterTest {
  private final ManualClock clock = new ManualClock();
  private io.j3fs.kv.KvEngine kv;

  /** The KV store the three instances share. */
  protected abstract io.j3fs.kv.KvEngine openEngine();

  private final InProcessNetwork network = new InProcessNetwork(11);
  private final List<MgmtdServer> mgmtds = new ArrayList<>();
  private final List<Endpoint> endpoints = new ArrayList<>();
  private final List<Dispatcher> dispatchers = new ArrayList<>();
  private RpcClient client;

  @BeforeEach
  void start() {
    kv = openEngine();
    for (int i = 1; i <= 3; i++) {
      Endpoint endpoint = new Endpoint("mgmtd-" + i, 9000);
      MgmtdServer mgmtd =
          new MgmtdServer(
              kv, clock, NodeId.of(i), endpoint.toString(), "0.1.0", MgmtdServer.Config.DEFAULT);
      Dispatcher dispatcher = new Dispatcher();
      mgmtd.register(dispatcher);
      network.serve(endpoint, dispatcher, ServerOptions.DEFAULT);
      mgmtds.add(mgmtd);
      endpoints.add(endpoint);
      dispatchers.add(dispatcher);
    }
    client = network.client(ClientOptions.DEFAULT);
  }

  @AfterEach
  void stop() {
    client.close();
    dispatchers.forEach(Dispatcher::close);
    network.close();
    kv.close();
  }

  private <T extends com.google.protobuf.Message> T call(
      int mgmtd, String method, com.google.protobuf.Message request, Class<T> type)
      throws Exception {
    try (RpcReply reply =
        client.call(endpoints.get(mgmtd - 1), method, request, 5_000).get(10, TimeUnit.SECONDS)) {
      return reply.message(type);
    }
  }

  private void heartbeat(int mgmtd, long node, String localState) throws Exception {
    call(
        mgmtd,
        "Mgmtd.Heartbeat",
        HeartbeatReq.newBuilder()
            .setNodeId(node)
            .addTargets(
                LocalTargetInfo.newBuilder().setTargetId(node * 100 + 1).setLocalState(localState))
            .build(),
        io.j3fs.proto.mgmtd.HeartbeatRsp.class);
  }

  /**
   * Time passes in 1 s steps: every mgmtd ticks that is still running; live nodes heartbeat every
   * 10 s.
   */
  private void run(
      int seconds, List<Integer> runningMgmtds, int primary, Map<Long, String> liveNodes)
      throws Exception {
    for (int s = 0; s < seconds; s++) {
      clock.advanceMillis(1_000);
      for (int m : runningMgmtds) {
        mgmtds.get(m - 1).tick();
      }
      if (s % 10 == 0) {
        for (Map.Entry<Long, String> node : liveNodes.entrySet()) {
          heartbeat(primary, node.getKey(), node.getValue());
        }
      }
    }
  }

  @Test
  void clientSessionsLiveUntilTheyStopBeingExtended() throws Exception {
    for (MgmtdServer mgmtd : mgmtds) {
      mgmtd.tick();
    }
    for (String client : List.of("client-a", "client-b")) {
      call(
          1,
          "Mgmtd.ExtendClientSession",
          io.j3fs.proto.mgmtd.ExtendClientSessionReq.newBuilder()
              .setClientId(client)
              .setDescription("fuse on host")
              .build(),
          io.j3fs.proto.mgmtd.ExtendClientSessionRsp.class);
    }
    // client-b keeps extending; client-a stops. After the 20 min timeout only client-b is listed.
    for (int minute = 0; minute < 25; minute++) {
      clock.advanceMillis(60_000);
      for (MgmtdServer mgmtd : mgmtds) {
        mgmtd.tick();
      }
      call(
          1,
          "Mgmtd.ExtendClientSession",
          io.j3fs.proto.mgmtd.ExtendClientSessionReq.newBuilder().setClientId("client-b").build(),
          io.j3fs.proto.mgmtd.ExtendClientSessionRsp.class);
    }
    io.j3fs.proto.mgmtd.ListClientSessionsRsp sessions =
        call(
            1,
            "Mgmtd.ListClientSessions",
            io.j3fs.proto.mgmtd.ListClientSessionsReq.getDefaultInstance(),
            io.j3fs.proto.mgmtd.ListClientSessionsRsp.class);
    assertThat(sessions.getSessionsList())
        .extracting(io.j3fs.proto.mgmtd.ClientSessionInfo::getClientId)
        .containsExactly("client-b");
  }

  @Test
  void configsAreDistributedByVersionAndSurviveFailover() throws Exception {
    for (MgmtdServer mgmtd : mgmtds) {
      mgmtd.tick();
    }
    for (String content : List.of("read_timeout_ms = 100\n", "read_timeout_ms = 200\n")) {
      call(
          1,
          "Mgmtd.SetConfig",
          io.j3fs.proto.mgmtd.SetConfigReq.newBuilder()
              .setNodeType("STORAGE")
              .setContent(content)
              .build(),
          io.j3fs.proto.mgmtd.SetConfigRsp.class);
    }
    io.j3fs.proto.mgmtd.GetConfigRsp latest =
        call(
            1,
            "Mgmtd.GetConfig",
            io.j3fs.proto.mgmtd.GetConfigReq.newBuilder().setNodeType("STORAGE").build(),
            io.j3fs.proto.mgmtd.GetConfigRsp.class);
    assertThat(latest.getVersion()).isEqualTo(2);
    assertThat(latest.getContent()).isEqualTo("read_timeout_ms = 200\n");
    io.j3fs.proto.mgmtd.GetConfigRsp unchanged =
        call(
            1,
            "Mgmtd.GetConfig",
            io.j3fs.proto.mgmtd.GetConfigReq.newBuilder()
                .setNodeType("STORAGE")
                .setKnownVersion(2)
                .build(),
            io.j3fs.proto.mgmtd.GetConfigRsp.class);
    assertThat(unchanged.getUnchanged()).isTrue();
    assertThat(unchanged.getContent()).isEmpty();
    try {
      call(
          1,
          "Mgmtd.GetConfig",
          io.j3fs.proto.mgmtd.GetConfigReq.newBuilder().setNodeType("META").build(),
          io.j3fs.proto.mgmtd.GetConfigRsp.class);
      throw new AssertionError("a config that was never set was returned");
    } catch (ExecutionException e) {
      assertThat(((StatusException) e.getCause()).code()).isEqualTo(StatusCode.NOT_FOUND);
    }
    clock.advanceMillis(61_000);
    mgmtds.get(1).tick();
    io.j3fs.proto.mgmtd.GetConfigRsp afterFailover =
        call(
            2,
            "Mgmtd.GetConfig",
            io.j3fs.proto.mgmtd.GetConfigReq.newBuilder().setNodeType("STORAGE").build(),
            io.j3fs.proto.mgmtd.GetConfigRsp.class);
    assertThat(afterFailover.getVersion()).isEqualTo(2);
  }

  @Test
  void aDisabledNodeLeavesItsChainsAndComesBackThroughResync() throws Exception {
    for (MgmtdServer mgmtd : mgmtds) {
      mgmtd.tick();
    }
    registerStorageNodesWithOneChain();
    Map<Long, String> allUp = Map.of(11L, "UP_TO_DATE", 12L, "UP_TO_DATE", 13L, "UP_TO_DATE");
    call(
        1,
        "Mgmtd.DisableNode",
        io.j3fs.proto.mgmtd.DisableNodeReq.newBuilder().setNodeId(12).build(),
        io.j3fs.proto.mgmtd.DisableNodeRsp.class);
    run(5, List.of(1), 1, allUp);
    GetRoutingInfoRsp disabled =
        call(
            1,
            "Mgmtd.GetRoutingInfo",
            GetRoutingInfoReq.getDefaultInstance(),
            GetRoutingInfoRsp.class);
    assertThat(order(disabled)).containsExactly("1101:SERVING", "1301:SERVING", "1201:OFFLINE");
    assertThat(disabled.getNodesList())
        .filteredOn(io.j3fs.proto.mgmtd.RoutingNode::getDisabled)
        .extracting(io.j3fs.proto.mgmtd.RoutingNode::getNodeId)
        .containsExactly(12L);
    call(
        1,
        "Mgmtd.EnableNode",
        io.j3fs.proto.mgmtd.EnableNodeReq.newBuilder().setNodeId(12).build(),
        io.j3fs.proto.mgmtd.EnableNodeRsp.class);
    run(5, List.of(1), 1, Map.of(11L, "UP_TO_DATE", 12L, "ONLINE", 13L, "UP_TO_DATE"));
    assertThat(
            order(
                call(
                    1,
                    "Mgmtd.GetRoutingInfo",
                    GetRoutingInfoReq.getDefaultInstance(),
                    GetRoutingInfoRsp.class)))
        .containsExactly("1101:SERVING", "1301:SERVING", "1201:SYNCING");
    run(11, List.of(1), 1, allUp);
    assertThat(
            order(
                call(
                    1,
                    "Mgmtd.GetRoutingInfo",
                    GetRoutingInfoReq.getDefaultInstance(),
                    GetRoutingInfoRsp.class)))
        .containsExactly("1101:SERVING", "1301:SERVING", "1201:SERVING");
  }

  /**
   * Storage nodes 11, 12, 13 registered on primary 1, with chain 1 = targets 1101, 1201, 1301, all
   * serving.
   */
  private void registerStorageNodesWithOneChain() throws Exception {
    for (long node = 11; node <= 13; node++) {
      call(
          1,
          "Mgmtd.RegisterNode",
          RegisterNodeReq.newBuilder()
              .setNodeId(node)
              .setType("STORAGE")
              .setAddress("storage-" + node + ":8000")
              .build(),
          io.j3fs.proto.mgmtd.RegisterNodeRsp.class);
    }
    mgmtds
        .getFirst()
        .execute(
            new io.j3fs.mgmtd.ops.SetChainsOp(),
            io.j3fs.proto.mgmtd.SetChainsReq.newBuilder()
                .addChains(
                    io.j3fs.proto.mgmtd.ChainSpec.newBuilder()
                        .setChainId(1)
                        .addTargets(
                            io.j3fs.proto.mgmtd.TargetSpec.newBuilder()
                                .setTargetId(1101)
                                .setNodeId(11))
                        .addTargets(
                            io.j3fs.proto.mgmtd.TargetSpec.newBuilder()
                                .setTargetId(1201)
                                .setNodeId(12))
                        .addTargets(
                            io.j3fs.proto.mgmtd.TargetSpec.newBuilder()
                                .setTargetId(1301)
                                .setNodeId(13)))
                .build());
  }

  private static List<String> order(GetRoutingInfoRsp info) {
    RoutingChain chain = info.getChains(0);
    List<String> members = new ArrayList<>();
    for (RoutingChain.Member member : chain.getMembersList()) {
      members.add(member.getTargetId() + ":" + member.getPublicState());
    }
    return members;
  }

  @Test
  void heartbeatsFailoverAndRoutingAsSeenByAClient() throws Exception {
    for (MgmtdServer mgmtd : mgmtds) {
      mgmtd.tick();
    }
    assertThat(
            call(
                    1,
                    "Mgmtd.GetPrimaryMgmtd",
                    GetPrimaryMgmtdReq.getDefaultInstance(),
                    GetPrimaryMgmtdRsp.class)
                .getNodeId())
        .isEqualTo(1);
    // A follower refuses, naming the primary.
    try {
      call(
          2,
          "Mgmtd.GetRoutingInfo",
          GetRoutingInfoReq.getDefaultInstance(),
          GetRoutingInfoRsp.class);
      throw new AssertionError("a follower answered");
    } catch (ExecutionException e) {
      StatusException status = (StatusException) e.getCause();
      assertThat(status.code()).isEqualTo(StatusCode.NOT_PRIMARY);
      assertThat(status.getMessage()).contains("mgmtd-1:9000");
    }
    registerStorageNodesWithOneChain();
    Map<Long, String> allUp = Map.of(11L, "UP_TO_DATE", 12L, "UP_TO_DATE", 13L, "UP_TO_DATE");
    run(30, List.of(1, 2, 3), 1, allUp);
    GetRoutingInfoRsp before =
        call(
            1,
            "Mgmtd.GetRoutingInfo",
            GetRoutingInfoReq.getDefaultInstance(),
            GetRoutingInfoRsp.class);
    assertThat(order(before)).containsExactly("1101:SERVING", "1201:SERVING", "1301:SERVING");
    GetRoutingInfoRsp unchanged =
        call(
            1,
            "Mgmtd.GetRoutingInfo",
            GetRoutingInfoReq.newBuilder().setKnownVersion(before.getVersion()).build(),
            GetRoutingInfoRsp.class);
    assertThat(unchanged.getUnchanged()).isTrue();

    // Storage node 11 dies: after the heartbeat fail interval its target is offline and last in the
    // chain.
    Map<Long, String> without11 = Map.of(12L, "UP_TO_DATE", 13L, "UP_TO_DATE");
    run(70, List.of(1, 2, 3), 1, without11);
    GetRoutingInfoRsp afterFailure =
        call(
            1,
            "Mgmtd.GetRoutingInfo",
            GetRoutingInfoReq.newBuilder().setKnownVersion(before.getVersion()).build(),
            GetRoutingInfoRsp.class);
    assertThat(afterFailure.getUnchanged()).isFalse();
    assertThat(afterFailure.getVersion()).isGreaterThan(before.getVersion());
    assertThat(order(afterFailure)).containsExactly("1201:SERVING", "1301:SERVING", "1101:OFFLINE");
    assertThat(afterFailure.getChains(0).getVersion())
        .isEqualTo(before.getChains(0).getVersion() + 1);

    // The primary mgmtd stops; within a lease length another takes over, with the durable state and
    // a new version.
    run(61, List.of(2, 3), 1, Map.of());
    int newPrimary =
        call(
                        2,
                        "Mgmtd.GetPrimaryMgmtd",
                        GetPrimaryMgmtdReq.getDefaultInstance(),
                        GetPrimaryMgmtdRsp.class)
                    .getNodeId()
                == 2
            ? 2
            : 3;
    GetRoutingInfoRsp afterFailover =
        call(
            newPrimary,
            "Mgmtd.GetRoutingInfo",
            GetRoutingInfoReq.getDefaultInstance(),
            GetRoutingInfoRsp.class);
    assertThat(order(afterFailover))
        .containsExactly("1201:SERVING", "1301:SERVING", "1101:OFFLINE");
    assertThat(afterFailover.getVersion()).isGreaterThan(afterFailure.getVersion());
    // The old primary, whose lease ran out, no longer answers as primary.
    try {
      call(
          1,
          "Mgmtd.GetRoutingInfo",
          GetRoutingInfoReq.getDefaultInstance(),
          GetRoutingInfoRsp.class);
      throw new AssertionError("the old primary still answered");
    } catch (ExecutionException e) {
      assertThat(((StatusException) e.getCause()).code()).isEqualTo(StatusCode.NOT_PRIMARY);
    }

    // Node 11 returns: its target waits, syncs, and serves again once it reports up to date.
    run(20, List.of(2, 3), newPrimary, Map.of(11L, "ONLINE", 12L, "UP_TO_DATE", 13L, "UP_TO_DATE"));
    assertThat(
            order(
                call(
                    newPrimary,
                    "Mgmtd.GetRoutingInfo",
                    GetRoutingInfoReq.getDefaultInstance(),
                    GetRoutingInfoRsp.class)))
        .containsExactly("1201:SERVING", "1301:SERVING", "1101:SYNCING");
    run(20, List.of(2, 3), newPrimary, allUp);
    assertThat(
            order(
                call(
                    newPrimary,
                    "Mgmtd.GetRoutingInfo",
                    GetRoutingInfoReq.getDefaultInstance(),
                    GetRoutingInfoRsp.class)))
        .containsExactly("1201:SERVING", "1301:SERVING", "1101:SERVING");
  }
}
