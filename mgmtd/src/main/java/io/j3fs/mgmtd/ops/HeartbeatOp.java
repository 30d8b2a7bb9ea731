package io.j3fs.mgmtd.ops;

import io.j3fs.common.id.NodeId;
import io.j3fs.common.id.TargetId;
import io.j3fs.mgmtd.cluster.TargetReport;
import io.j3fs.proto.mgmtd.HeartbeatReq;
import io.j3fs.proto.mgmtd.HeartbeatRsp;
import io.j3fs.proto.mgmtd.LocalTargetInfo;
import java.util.ArrayList;
import java.util.List;

/**
 * A node is alive, and its targets are as reported. Only memory changes: local states are not
 * stored (3FS keeps them in the primary's memory too); the next chain update acts on them. The
 * answer carries the routing version, so the node refreshes its routing info when it moved.
 */
public final class HeartbeatOp implements MgmtdOp<HeartbeatReq, HeartbeatRsp> {
  @Override
  public HeartbeatRsp run(PrimaryContext primary, HeartbeatReq request) {
    List<TargetReport> reports = new ArrayList<>(request.getTargetsCount());
    for (LocalTargetInfo info : request.getTargetsList()) {
      reports.add(
          new TargetReport(
              TargetId.of(info.getTargetId()),
              WireEnums.localState(info.getLocalState()),
              info.getDiskIndex(),
              info.getUsedBytes(),
              info.getFreeBytes(),
              info.getChainVersion(),
              info.getBehind(),
              info.getEmpty()));
    }
    primary.view().heartbeat(NodeId.of(request.getNodeId()), reports);
    return HeartbeatRsp.newBuilder().setRoutingVersion(primary.view().routingVersion()).build();
  }
}
