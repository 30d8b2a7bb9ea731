package io.j3fs.mgmtd.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.j3fs.client.mgmtd.MgmtdClient;
import io.j3fs.client.mgmtd.ServiceAgent;
import io.j3fs.client.routing.RoutingInfo;
import io.j3fs.common.cluster.NodeType;
import io.j3fs.common.cluster.PublicState;
import io.j3fs.common.id.ChainId;
import io.j3fs.common.id.NodeId;
import io.j3fs.common.id.TargetId;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.common.time.ManualClock;
import io.j3fs.kv.memory.MemoryKvEngine;
import io.j3fs.net.ClientOptions;
import io.j3fs.net.Dispatcher;
import io.j3fs.net.Endpoint;
import io.j3fs.net.RpcClient;
import io.j3fs.net.ServerOptions;
import io.j3fs.net.inproc.InProcessNetwork;
import io.j3fs.proto.mgmtd.ChainSpec;
import io.j3fs.proto.mgmtd.CreateTargetsReq;
import io.j3fs.proto.mgmtd.CreateTargetsRsp;
import io.j3fs.proto.mgmtd.LocalTargetInfo;
import io.j3fs.proto.mgmtd.OfflineTargetReq;
import io.j3fs.proto.mgmtd.OfflineTargetRsp;
import io.j3fs.proto.mgmtd.SetChainsReq;
import io.j3fs.proto.mgmtd.SetChainsRsp;
import io.j3fs.proto.mgmtd.SetConfigReq;
import io.j3fs.proto.mgmtd.SetConfigRsp;
import io.j3fs.proto.mgmtd.TargetSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client side of mgmtd: primary discovery and failover, the routing cache following heartbeat
 * answers and "routing version mismatch", configs by version, targets created before their chains,
 * and an operator taking a target offline, with three mgmtd instances on the in-process network and
 * a manual clock.
 */
class MgmtdClientTest {
  private final ManualClock clock = new ManualClock();
  private final MemoryKvEngine kv = new MemoryKvEngine();
  private final InProcessNetwork network = new InProcessNetwork(5);
  private final List<MgmtdServer> mgmtds = new ArrayList<>();
  private final List<Endpoint> endpoints = new ArrayList<>();
  private final List<Dispatcher> dispatchers = new ArrayList<>();
  private final Map<Long, ServiceAgent> agents = new HashMap<>();

  /** What each storage node reports for its targets, by node. */
  private final Map<Long, Map<Long, String>> localStates = new HashMap<>();

  private RpcClient rpc;
  private MgmtdClient client;

  @BeforeEach
  void start() {
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
    rpc = network.client(ClientOptions.DEFAULT);
    client = new MgmtdClient(rpc, new MgmtdClient.Config(endpoints, 2_000, 10, 1, 5));
  }

  @AfterEach
  void stop() {
    agents.values().forEach(ServiceAgent::close);
    rpc.close();
    dispatchers.forEach(Dispatcher::close);
    network.close();
    kv.close();
  }

  private ServiceAgent storageNode(long node) {
    localStates.put(node, new HashMap<>());
    MgmtdClient own = new MgmtdClient(rpc, MgmtdClient.Config.of(endpoints));
    ServiceAgent agent =
        new ServiceAgent(
            own,
            new ServiceAgent.Config(
                NodeId.of(node),
                NodeType.STORAGE,
                "storage-" + node + ":8000",
                List.of(),
                10_000,
                10_000),
            () -> {
              List<LocalTargetInfo> out = new ArrayList<>();
              localStates
                  .get(node)
                  .forEach(
                      (target, state) ->
                          out.add(
                              LocalTargetInfo.newBuilder()
                                  .setTargetId(target)
                                  .setLocalState(state)
                                  .build()));
              return out;
            },
            update -> {});
    agents.put(node, agent);
    return agent;
  }

  /** Seconds pass: running mgmtds tick every second; listed nodes report every 10 s. */
  private void run(int seconds, List<Integer> running, List<Long> liveNodes) {
    for (int s = 0; s < seconds; s++) {
      clock.advanceMillis(1_000);
      for (int m : running) {
        mgmtds.get(m - 1).tick();
      }
      if (s % 10 == 0) {
        for (long node : liveNodes) {
          agents.get(node).runOnce();
        }
      }
    }
  }

  private static List<String> order(RoutingInfo info, long chain) {
    List<String> out = new ArrayList<>();
    for (RoutingInfo.Member member : info.chains().get(ChainId.of(chain)).members()) {
      out.add(member.target() + ":" + member.state());
    }
    return out;
  }

  /** Nodes 11-13 with orphan targets x01 created first, then chain 1 made of them. */
  private void clusterWithOneChain() {
    mgmtds.forEach(MgmtdServer::tick);
    for (long node = 11; node <= 13; node++) {
      storageNode(node).start();
    }
    CreateTargetsReq.Builder create = CreateTargetsReq.newBuilder();
    ChainSpec.Builder chain = ChainSpec.newBuilder().setChainId(1);
    for (long node = 11; node <= 13; node++) {
      create.addTargets(
          TargetSpec.newBuilder().setTargetId(node * 100 + 1).setNodeId(node).setDiskIndex(0));
      chain.addTargets(TargetSpec.newBuilder().setTargetId(node * 100 + 1).setNodeId(node));
    }
    client.call("Mgmtd.CreateTargets", create.build(), CreateTargetsRsp.class);
    RoutingInfo orphans = client.refreshRouting();
    assertThat(orphans.targets().get(TargetId.of(1101)).chain()).isEqualTo(ChainId.of(0));
    client.call(
        "Mgmtd.SetChains", SetChainsReq.newBuilder().addChains(chain).build(), SetChainsRsp.class);
    for (long node = 11; node <= 13; node++) {
      localStates.get(node).put(node * 100 + 1, "UP_TO_DATE");
    }
  }

  @Test
  void theCacheFollowsHeartbeatAnswersAndFailover() {
    clusterWithOneChain();
    // Targets already in a chain cannot be created again or join a second chain.
    assertThatThrownBy(
            () ->
                client.call(
                    "Mgmtd.CreateTargets",
                    CreateTargetsReq.newBuilder()
                        .addTargets(TargetSpec.newBuilder().setTargetId(1101).setNodeId(11))
                        .build(),
                    CreateTargetsRsp.class))
        .isInstanceOfSatisfying(
            StatusException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.EXISTS));
    run(30, List.of(1, 2, 3), List.of(11L, 12L, 13L));
    MgmtdClient observer = agents.get(12L).mgmtdClient();
    RoutingInfo before = observer.routing();
    assertThat(order(before, 1)).containsExactly("1101:SERVING", "1201:SERVING", "1301:SERVING");

    // Node 11 stops reporting. Node 12's cache moves on by its own heartbeats alone (no explicit
    // refresh): the answer carries a newer version.
    run(70, List.of(1, 2, 3), List.of(12L, 13L));
    RoutingInfo after = observer.routing();
    assertThat(after.version()).isGreaterThan(before.version());
    assertThat(order(after, 1)).containsExactly("1201:SERVING", "1301:SERVING", "1101:OFFLINE");
    assertThat(after.nodes().get(NodeId.of(11)).failed()).isTrue();

    // The primary (whichever it is) stops; the client finds the new one by itself.
    int primary = primaryIndex();
    List<Integer> others = new ArrayList<>(List.of(1, 2, 3));
    others.remove(Integer.valueOf(primary));
    run(61, others, List.of());
    run(1, others, List.of(12L, 13L));
    assertThat(primaryIndex()).isNotEqualTo(primary);
    RoutingInfo afterFailover = client.refreshRouting();
    assertThat(afterFailover.version()).isGreaterThan(after.version());
    assertThat(order(afterFailover, 1))
        .containsExactly("1201:SERVING", "1301:SERVING", "1101:OFFLINE");

    // Node 11 returns (its target recovering): waiting, syncing, then serving once up to date.
    localStates.get(11L).put(1101L, "ONLINE");
    run(12, others, List.of(11L, 12L, 13L));
    assertThat(order(client.onRoutingVersionMismatch(), 1))
        .containsExactly("1201:SERVING", "1301:SERVING", "1101:SYNCING");
    localStates.get(11L).put(1101L, "UP_TO_DATE");
    run(12, others, List.of(11L, 12L, 13L));
    assertThat(order(client.onRoutingVersionMismatch(), 1))
        .containsExactly("1201:SERVING", "1301:SERVING", "1101:SERVING");
  }

  private int primaryIndex() {
    String address =
        client
            .call(
                "Mgmtd.GetPrimaryMgmtd",
                io.j3fs.proto.mgmtd.GetPrimaryMgmtdReq.getDefaultInstance(),
                io.j3fs.proto.mgmtd.GetPrimaryMgmtdRsp.class)
            .getAddress();
    return endpoints.indexOf(Endpoint.parse(address)) + 1;
  }

  @Test
  void anOfflinedTargetStaysOutUntilItsServiceAcknowledges() {
    clusterWithOneChain();
    run(11, List.of(1, 2, 3), List.of(11L, 12L, 13L));
    long version =
        client
            .call(
                "Mgmtd.OfflineTarget",
                OfflineTargetReq.newBuilder().setTargetId(1201).build(),
                OfflineTargetRsp.class)
            .getRoutingVersion();
    RoutingInfo offlined = client.refreshRouting();
    assertThat(offlined.version()).isEqualTo(version);
    assertThat(order(offlined, 1)).containsExactly("1101:SERVING", "1301:SERVING", "1201:OFFLINE");
    // Its service still says up to date (it has not yet seen the change): the target stays out.
    run(21, List.of(1, 2, 3), List.of(11L, 12L, 13L));
    assertThat(order(client.refreshRouting(), 1))
        .containsExactly("1101:SERVING", "1301:SERVING", "1201:OFFLINE");
    // The service drops the target and brings it back for recovery.
    localStates.get(12L).put(1201L, "ONLINE");
    run(11, List.of(1, 2, 3), List.of(11L, 12L, 13L));
    assertThat(order(client.refreshRouting(), 1))
        .containsExactly("1101:SERVING", "1301:SERVING", "1201:SYNCING");
    assertThat(client.routing().chains().get(ChainId.of(1)).successor(TargetId.of(1301)).target())
        .isEqualTo(TargetId.of(1201));
    assertThat(client.routing().chains().get(ChainId.of(1)).head().state())
        .isEqualTo(PublicState.SERVING);

    assertThatThrownBy(
            () ->
                client.call(
                    "Mgmtd.OfflineTarget",
                    OfflineTargetReq.newBuilder().setTargetId(999).build(),
                    OfflineTargetRsp.class))
        .isInstanceOfSatisfying(
            StatusException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.NOT_FOUND));
  }

  @Test
  void servicesPickUpEachNewConfigVersionOnce() {
    mgmtds.forEach(MgmtdServer::tick);
    List<String> seen = new ArrayList<>();
    MgmtdClient own = new MgmtdClient(rpc, MgmtdClient.Config.of(endpoints));
    try (ServiceAgent agent =
        new ServiceAgent(
            own,
            new ServiceAgent.Config(
                NodeId.of(21), NodeType.META, "meta-21:8001", List.of(), 10_000, 10_000),
            List::of,
            update -> seen.add(update.version() + ":" + update.content()))) {
      agent.start();
      agent.checkConfig(); // nothing set yet: nothing handed on
      assertThat(seen).isEmpty();
      client.call(
          "Mgmtd.SetConfig",
          SetConfigReq.newBuilder().setNodeType("META").setContent("a = 1\n").build(),
          SetConfigRsp.class);
      agent.checkConfig();
      agent.checkConfig();
      client.call(
          "Mgmtd.SetConfig",
          SetConfigReq.newBuilder().setNodeType("META").setContent("a = 2\n").build(),
          SetConfigRsp.class);
      client.call(
          "Mgmtd.SetConfig",
          SetConfigReq.newBuilder().setNodeType("STORAGE").setContent("b = 1\n").build(),
          SetConfigRsp.class);
      agent.checkConfig();
      assertThat(seen).containsExactly("1:a = 1\n", "2:a = 2\n");
      assertThat(agent.configVersion()).isEqualTo(2);
    }
  }

  @Test
  void callsFailWithTheirStatusWhenNoInstanceIsPrimary() {
    // No instance ticked: none is primary, none knows one. The client gives up after its attempts.
    assertThatThrownBy(() -> client.refreshRouting())
        .isInstanceOfSatisfying(
            StatusException.class,
            e -> {
              assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE);
              assertThat(e.getMessage()).contains("10 attempts");
            });
  }
}
