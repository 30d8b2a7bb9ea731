package io.j3fs.mgmtd.ops;

import io.j3fs.proto.mgmtd.DisableNodeReq;
import io.j3fs.proto.mgmtd.DisableNodeRsp;

/** Takes a node out of service: its targets leave their chains. */
public final class DisableNodeOp implements MgmtdOp<DisableNodeReq, DisableNodeRsp> {
  @Override
  public DisableNodeRsp run(PrimaryContext primary, DisableNodeReq request) {
    return DisableNodeRsp.newBuilder()
        .setRoutingVersion(NodeDisabling.set(primary, request.getNodeId(), true))
        .build();
  }
}
