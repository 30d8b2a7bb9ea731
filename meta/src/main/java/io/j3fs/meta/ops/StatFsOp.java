package io.j3fs.meta.ops;

import io.j3fs.client.routing.RoutingInfo;
import io.j3fs.meta.MetaContext;
import io.j3fs.proto.meta.StatFsReq;
import io.j3fs.proto.meta.StatFsRsp;

/**
 * Space of the file system: the storage targets' used and free bytes as mgmtd last heard them,
 * divided by the replication factor (the longest chain), since every byte is stored that many
 * times.
 */
public final class StatFsOp implements MetaOp<StatFsReq, StatFsRsp> {
  private final MetaContext ctx;

  public StatFsOp(MetaContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public StatFsRsp run(StatFsReq request) {
    RoutingInfo routing = ctx.routing().get();
    long used = 0;
    long free = 0;
    for (RoutingInfo.Target target : routing.targets().values()) {
      used += target.usedBytes();
      free += target.freeBytes();
    }
    int replicas = 1;
    for (RoutingInfo.Chain chain : routing.chains().values()) {
      replicas = Math.max(replicas, chain.members().size());
    }
    return StatFsRsp.newBuilder()
        .setCapacityBytes((used + free) / replicas)
        .setUsedBytes(used / replicas)
        .setFreeBytes(free / replicas)
        .build();
  }
}
