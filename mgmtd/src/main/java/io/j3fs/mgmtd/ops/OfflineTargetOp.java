package io.j3fs.mgmtd.ops;

import io.j3fs.common.id.TargetId;
import io.j3fs.proto.mgmtd.OfflineTargetReq;
import io.j3fs.proto.mgmtd.OfflineTargetRsp;

/**
 * An operator takes a target out of service (a disk to replace, a suspect replica). Its chain moves
 * on without it at once; it rejoins through waiting and syncing once its service reports it as
 * anything but up to date.
 */
public final class OfflineTargetOp implements MgmtdOp<OfflineTargetReq, OfflineTargetRsp> {
  @Override
  public OfflineTargetRsp run(PrimaryContext primary, OfflineTargetReq request) {
    primary.view().offlineTarget(TargetId.of(request.getTargetId()));
    ChainUpdates.apply(primary);
    return OfflineTargetRsp.newBuilder().setRoutingVersion(primary.view().routingVersion()).build();
  }
}
