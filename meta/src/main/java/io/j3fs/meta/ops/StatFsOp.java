package io.j3fs.meta.ops;

import io.j3fs.client.routing.RoutingInfo;
import io.j3fs.meta.ChunkStorage;
import io.j3fs.meta.MetaContext;
import io.j3fs.proto.meta.StatFsReq;
import io.j3fs.proto.meta.StatFsRsp;

/**
 * Space of the file system: the storage disks' capacity, used and free bytes as the storage nodes
 * report them now (routing info is only resent when its version changes, so its space figures go
 * stale), divided by the replication factor (the longest chain), since every byte is stored that
 * many times.
 */
public final class StatFsOp implements MetaOp<StatFsReq, StatFsRsp> {
  private final MetaContext ctx;

  public StatFsOp(MetaContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public StatFsRsp run(StatFsReq request) {
    RoutingInfo routing = ctx.routing().get();
    int replicas = 1;
    for (RoutingInfo.Chain chain : routing.chains().values()) {
      replicas = Math.max(replicas, chain.members().size());
    }
    ChunkStorage.Space space = ctx.storage().space();
    return StatFsRsp.newBuilder()
        .setCapacityBytes(space.capacityBytes() / replicas)
        .setUsedBytes(space.usedBytes() / replicas)
        .setFreeBytes(space.freeBytes() / replicas)
        .build();
  }
}
