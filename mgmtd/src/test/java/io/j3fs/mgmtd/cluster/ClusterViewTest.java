package io.j3fs.mgmtd.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.j3fs.common.cluster.LocalState;
import io.j3fs.common.cluster.NodeType;
import io.j3fs.common.cluster.PublicState;
import io.j3fs.common.id.ChainId;
import io.j3fs.common.id.NodeId;
import io.j3fs.common.id.TargetId;
import io.j3fs.common.status.StatusException;
import io.j3fs.common.time.ManualClock;
import io.j3fs.mgmtd.state.Chain;
import io.j3fs.mgmtd.state.ChainTarget;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Heartbeats drive chains: a silent node's targets go offline and to the end of their chain, a
 * returning node's target waits, syncs, and serves again once it reports its resync done. Minutes
 * of heartbeats, driven by a manual clock.
 */
class ClusterViewTest {
  private static final long FAIL_INTERVAL_MS = 60_000;
  private static final ChainId CHAIN = ChainId.of(1);

  private final ManualClock clock = new ManualClock();
  private ClusterView view;

  @BeforeEach
  void cluster() {
    view = new ClusterView(clock, FAIL_INTERVAL_MS, 10);
    for (long node = 1; node <= 3; node++) {
      view.registerNode(NodeId.of(node), NodeType.STORAGE, "127.0.0.1:" + (8000 + node));
    }
    view.addChain(
        new Chain(
            CHAIN,
            1,
            List.of(
                ChainTarget.of(101, PublicState.SERVING),
                ChainTarget.of(201, PublicState.SERVING),
                ChainTarget.of(301, PublicState.SERVING))),
        Map.of(
            TargetId.of(101),
            new ClusterView.Placement(NodeId.of(1), 0),
            TargetId.of(201),
            new ClusterView.Placement(NodeId.of(2), 0),
            TargetId.of(301),
            new ClusterView.Placement(NodeId.of(3), 0)));
  }

  private void beat(long node, LocalState state) {
    view.heartbeat(
        NodeId.of(node),
        List.of(
            new TargetReport(
                TargetId.of(node * 100 + 1), state, 0, 1 << 20, 1 << 30, 0, false, false)));
  }

  /** Ten minutes of heartbeats every 10 s from the given nodes, with chain updates every second. */
  private void run(long seconds, Map<Long, LocalState> alive) {
    for (long s = 0; s < seconds; s++) {
      clock.advanceMillis(1_000);
      if (s % 10 == 0) {
        alive.forEach(this::beat);
      }
      view.checkHeartbeats();
      view.updateChains();
    }
  }

  private List<ChainTarget> members() {
    return view.chain(CHAIN).targets();
  }

  @Test
  void aSilentNodeGoesOfflineAndItsTargetMovesToTheEnd() {
    run(
        30,
        Map.of(1L, LocalState.UP_TO_DATE, 2L, LocalState.UP_TO_DATE, 3L, LocalState.UP_TO_DATE));
    long versionBefore = view.chain(CHAIN).version();
    long routingBefore = view.routingVersion();
    // Node 1 (the head) stops. Nothing changes before the fail interval has passed.
    run(50, Map.of(2L, LocalState.UP_TO_DATE, 3L, LocalState.UP_TO_DATE));
    assertThat(members().getFirst()).isEqualTo(ChainTarget.of(101, PublicState.SERVING));
    run(20, Map.of(2L, LocalState.UP_TO_DATE, 3L, LocalState.UP_TO_DATE));
    assertThat(members())
        .containsExactly(
            ChainTarget.of(201, PublicState.SERVING),
            ChainTarget.of(301, PublicState.SERVING),
            ChainTarget.of(101, PublicState.OFFLINE));
    assertThat(view.chain(CHAIN).version()).isEqualTo(versionBefore + 1);
    assertThat(view.routingVersion()).isGreaterThan(routingBefore);
    assertThat(view.routingInfo().nodes())
        .filteredOn(ClusterView.Node::failed)
        .extracting(ClusterView.Node::id)
        .containsExactly(NodeId.of(1));
  }

  @Test
  void aReturningNodeWaitsSyncsAndServesAgainWhenItsResyncIsDone() {
    run(100, Map.of(2L, LocalState.UP_TO_DATE, 3L, LocalState.UP_TO_DATE));
    assertThat(members().getLast()).isEqualTo(ChainTarget.of(101, PublicState.OFFLINE));
    // Node 1 comes back: its target is online (not yet up to date).
    run(20, Map.of(1L, LocalState.ONLINE, 2L, LocalState.UP_TO_DATE, 3L, LocalState.UP_TO_DATE));
    assertThat(members().getLast()).isEqualTo(ChainTarget.of(101, PublicState.SYNCING));
    // Its predecessor finishes the resync; the storage service reports the target up to date.
    run(
        20,
        Map.of(1L, LocalState.UP_TO_DATE, 2L, LocalState.UP_TO_DATE, 3L, LocalState.UP_TO_DATE));
    assertThat(members())
        .containsExactly(
            ChainTarget.of(201, PublicState.SERVING),
            ChainTarget.of(301, PublicState.SERVING),
            ChainTarget.of(101, PublicState.SERVING));
  }

  @Test
  void losingEveryReplicaLeavesTheLastServingOneMarked() {
    run(100, Map.of());
    assertThat(members().getFirst().state()).isEqualTo(PublicState.LASTSRV);
    assertThat(members()).filteredOn(t -> t.state() == PublicState.OFFLINE).hasSize(2);
  }

  @Test
  void heartbeatsFromStrangersAreRefused() {
    assertThatThrownBy(() -> beat(9, LocalState.UP_TO_DATE)).isInstanceOf(StatusException.class);
    assertThatThrownBy(
            () ->
                view.heartbeat(
                    NodeId.of(2),
                    List.of(
                        new TargetReport(
                            TargetId.of(101), LocalState.UP_TO_DATE, 0, 0, 0, 0, false, false))))
        .hasMessageContaining("does not belong to node 2");
  }
}
