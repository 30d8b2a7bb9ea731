package io.j3fs.mgmtd.lease;

import static org.assertj.core.api.Assertions.assertThat;

import io.j3fs.common.cluster.NodeType;
import io.j3fs.common.cluster.PublicState;
import io.j3fs.common.id.ChainId;
import io.j3fs.common.id.NodeId;
import io.j3fs.common.id.TargetId;
import io.j3fs.common.time.ManualClock;
import io.j3fs.kv.KvEngine;
import io.j3fs.kv.memory.MemoryKvEngine;
import io.j3fs.kv.rocksdb.RocksDbKvConfig;
import io.j3fs.kv.rocksdb.RocksDbKvEngine;
import io.j3fs.mgmtd.state.Chain;
import io.j3fs.mgmtd.state.ChainTarget;
import io.j3fs.mgmtd.store.MgmtdStore;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new primary recovers the whole durable state from the KV store, and a stale primary's writes
 * never land.
 */
class PrimaryRecoveryTest {
  @TempDir Path dir;

  private static void recoverAfterTakeover(KvEngine engine) {
    ManualClock clock = new ManualClock();
    LeaseElection first =
        new LeaseElection(
            engine, clock, NodeId.of(1), "a:1", "0.1.0", LeaseElection.Config.DEFAULT);
    LeaseElection second =
        new LeaseElection(
            engine, clock, NodeId.of(2), "b:2", "0.1.0", LeaseElection.Config.DEFAULT);
    long epoch = ((LeaseElection.Primary) first.tryAcquireOrExtend()).epoch();
    Chain chain =
        new Chain(
            ChainId.of(7),
            4,
            List.of(
                ChainTarget.of(11, PublicState.SERVING),
                ChainTarget.of(21, PublicState.SYNCING),
                ChainTarget.of(31, PublicState.OFFLINE)));
    first.writeAsPrimary(
        epoch,
        tx -> {
          for (long node = 1; node <= 3; node++) {
            MgmtdStore.putNode(
                tx,
                new MgmtdStore.StoredNode(
                    NodeId.of(node),
                    NodeType.STORAGE,
                    "10.0.0." + node + ":8000",
                    List.of("rack" + node),
                    node == 3));
            MgmtdStore.putTarget(
                tx,
                new MgmtdStore.StoredTarget(
                    TargetId.of(node * 10 + 1), NodeId.of(node), ChainId.of(7), (int) node));
          }
          MgmtdStore.putChain(tx, chain);
          return null;
        });
    clock.advanceMillis(LeaseElection.Config.DEFAULT.leaseLengthMs());
    assertThat(second.tryAcquireOrExtend()).isInstanceOf(LeaseElection.Primary.class);
    MgmtdStore.Snapshot snapshot = engine.read(MgmtdStore::load);
    assertThat(snapshot.chains()).containsExactly(chain);
    assertThat(snapshot.nodes()).hasSize(3);
    assertThat(snapshot.nodes().get(2).disabled()).isTrue();
    assertThat(snapshot.nodes().get(0).tags()).containsExactly("rack1");
    assertThat(snapshot.targets())
        .extracting(MgmtdStore.StoredTarget::id)
        .containsExactly(TargetId.of(11), TargetId.of(21), TargetId.of(31));
    assertThat(second.routingVersion()).isEqualTo(2);
  }

  @Test
  void onTheMemoryEngine() {
    recoverAfterTakeover(new MemoryKvEngine());
  }

  @Test
  void onTheRocksDbEngineAcrossARestart() {
    Path path = dir.resolve("mgmtd");
    try (RocksDbKvEngine engine = new RocksDbKvEngine(RocksDbKvConfig.at(path))) {
      recoverAfterTakeover(engine);
    }
    try (RocksDbKvEngine reopened = new RocksDbKvEngine(RocksDbKvConfig.at(path))) {
      MgmtdStore.Snapshot snapshot = reopened.read(MgmtdStore::load);
      assertThat(snapshot.chains()).hasSize(1);
      assertThat(snapshot.nodes()).hasSize(3);
    }
  }
}
