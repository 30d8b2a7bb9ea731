package io.j3fs.storage.service;

import io.j3fs.client.mgmtd.MgmtdClient;
import io.j3fs.client.mgmtd.ServiceAgent;
import io.j3fs.common.cluster.NodeType;
import io.j3fs.common.id.NodeId;
import io.j3fs.common.status.StatusException;
import io.j3fs.net.Dispatcher;
import io.j3fs.net.RpcClient;
import io.j3fs.proto.storage.SpaceInfoReq;
import io.j3fs.proto.storage.SpaceInfoRsp;
import io.j3fs.proto.storage.SyncDoneReq;
import io.j3fs.proto.storage.SyncDoneRsp;
import io.j3fs.proto.storage.TargetSpace;
import io.j3fs.storage.chunk.ChunkEngine;
import io.j3fs.storage.craq.Forwarder;
import io.j3fs.storage.craq.UpdateOperator;
import io.j3fs.storage.ops.BatchReadOp;
import io.j3fs.storage.ops.ChunkRangeOps;
import io.j3fs.storage.ops.QueryLastChunkOp;
import io.j3fs.storage.ops.SyncOps;
import io.j3fs.storage.resync.ResyncManager;
import io.j3fs.storage.target.StorageTarget;
import io.j3fs.storage.target.TargetFactory;
import io.j3fs.storage.target.TargetMap;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One storage node: its targets, CRAQ replication, resync, and its life with mgmtd (register,
 * heartbeats with each target's local state, routing info). The transport is the caller's: it
 * serves the dispatcher this server registers on, and gives the client used to reach other nodes.
 */
public final class StorageServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StorageServer.class);

  /**
   * @param heartbeatIntervalMs how often the node reports to mgmtd (3FS: 10 s)
   * @param refreshIntervalMs how often it re-reads routing info and config (3FS: 10 s)
   * @param resyncRetryDelayMs pause before a failed resync is tried again
   */
  public record Config(
      NodeId nodeId,
      String address,
      long heartbeatIntervalMs,
      long refreshIntervalMs,
      Forwarder.Config forward,
      long resyncRetryDelayMs) {}

  private final Config config;
  private final MgmtdClient mgmtd;
  private final TargetMap targets;
  private final UpdateOperator updates;
  private final BatchReadOp batchRead;
  private final QueryLastChunkOp queryLastChunk;
  private final ChunkRangeOps ranges;
  private final SyncOps sync;
  private final ResyncManager resync;
  private final ServiceAgent agent;
  private final AtomicBoolean refreshing = new AtomicBoolean();

  public StorageServer(Config config, TargetFactory factory, RpcClient rpc, MgmtdClient mgmtd)
      throws IOException {
    this.config = config;
    this.mgmtd = mgmtd;
    this.targets =
        new TargetMap(
            config.nodeId(),
            factory,
            (routing, chain, self) -> peersHoldNothing(rpc, routing, chain, self));
    Forwarder forwarder =
        new Forwarder(rpc, mgmtd, targets::routing, config.forward(), System::nanoTime);
    this.updates = new UpdateOperator(targets, forwarder, this::refreshSoon);
    this.batchRead = new BatchReadOp(targets, this::refreshSoon, factory.directReads());
    this.queryLastChunk = new QueryLastChunkOp(targets);
    this.ranges = new ChunkRangeOps(targets, updates);
    this.sync = new SyncOps(targets);
    this.resync =
        new ResyncManager(
            rpc, targets, config.forward().rpcTimeoutMs(), config.resyncRetryDelayMs());
    mgmtd.addRoutingListener(
        routing -> {
          targets.apply(routing);
          resync.onRouting(routing);
        });
    this.agent =
        new ServiceAgent(
            mgmtd,
            new ServiceAgent.Config(
                config.nodeId(),
                NodeType.STORAGE,
                config.address(),
                List.of(),
                config.heartbeatIntervalMs(),
                config.refreshIntervalMs()),
            targets::heartbeatInfo,
            update -> log.info("storage config version {} received", update.version()));
  }

  /** Asks every other member of the chain, by SpaceInfo, whether it holds any chunk. */
  private boolean peersHoldNothing(
      RpcClient rpc,
      io.j3fs.client.routing.RoutingInfo routing,
      io.j3fs.client.routing.RoutingInfo.Chain chain,
      io.j3fs.client.routing.RoutingInfo.Target self) {
    for (var member : chain.members()) {
      if (member.target().equals(self.id())) {
        continue;
      }
      var node = routing.nodeOf(member.target());
      if (node == null) {
        return false;
      }
      SpaceInfoRsp space =
          rpc.invoke(
              node.endpoint(),
              "Storage.SpaceInfo",
              SpaceInfoReq.getDefaultInstance(),
              SpaceInfoRsp.class,
              config.forward().rpcTimeoutMs());
      // A member whose target is not created yet holds nothing (it will probe us in turn).
      for (TargetSpace target : space.getTargetsList()) {
        if (target.getTargetId() == member.target().value() && target.getChunkCount() > 0) {
          return false;
        }
      }
    }
    return true;
  }

  public void register(Dispatcher dispatcher) {
    StorageService.register(dispatcher, this);
  }

  /** Registers with mgmtd and starts reporting. */
  public void start() {
    StorageMetrics.register(
        io.micrometer.core.instrument.Metrics.globalRegistry, targets, config.nodeId().toString());
    agent.start();
    mgmtd.refreshRouting();
  }

  /** One round of reporting now (tests; and after a state change worth telling mgmtd at once). */
  public void reportNow() {
    agent.runOnce();
  }

  private void refreshSoon() {
    if (refreshing.compareAndSet(false, true)) {
      Thread.ofVirtual()
          .start(
              () -> {
                try {
                  mgmtd.refreshRouting();
                } catch (StatusException e) {
                  log.debug("routing refresh failed: {}", e.toString());
                } finally {
                  refreshing.set(false);
                }
              });
    }
  }

  UpdateOperator updates() {
    return updates;
  }

  public BatchReadOp batchRead() {
    return batchRead;
  }

  QueryLastChunkOp queryLastChunk() {
    return queryLastChunk;
  }

  ChunkRangeOps ranges() {
    return ranges;
  }

  SyncOps sync() {
    return sync;
  }

  SyncDoneRsp syncDone(SyncDoneReq request) {
    SyncDoneRsp rsp = sync.syncDone(request);
    // Tell mgmtd now rather than at the next heartbeat, so the target serves sooner.
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                agent.runOnce();
              } catch (StatusException e) {
                log.debug("early heartbeat failed: {}", e.toString());
              }
            });
    return rsp;
  }

  SpaceInfoRsp spaceInfo(SpaceInfoReq request) {
    SpaceInfoRsp.Builder out = SpaceInfoRsp.newBuilder();
    for (StorageTarget target : targets.all()) {
      ChunkEngine.Space space = target.engine().space();
      out.addTargets(
          TargetSpace.newBuilder()
              .setTargetId(target.id().value())
              .setChainId(target.chain().value())
              .setCapacityBytes(space.capacityBytes())
              .setUsedBytes(space.usedBytes())
              .setFreeBytes(space.freeBytes())
              .setChunkCount(space.chunkCount())
              .setLocalState(target.localState().name())
              .setNodeId(config.nodeId().value())
              .setDiskIndex(target.diskIndex()));
    }
    return out.build();
  }

  public TargetMap targets() {
    return targets;
  }

  public ResyncManager resync() {
    return resync;
  }

  public Config config() {
    return config;
  }

  @Override
  public void close() {
    batchRead.close();
    agent.close();
    resync.close();
    targets.close();
  }

  /** Stops without closing targets cleanly, as a killed process would (tests). */
  public void crash() {
    agent.close();
    resync.close();
    for (StorageTarget target : targets.all()) {
      target.engine().crash();
    }
  }
}
