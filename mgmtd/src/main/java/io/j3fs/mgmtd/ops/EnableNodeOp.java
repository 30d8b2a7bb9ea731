package io.j3fs.mgmtd.ops;

import io.j3fs.proto.mgmtd.EnableNodeReq;
import io.j3fs.proto.mgmtd.EnableNodeRsp;

/** Returns a disabled node to service. */
public final class EnableNodeOp implements MgmtdOp<EnableNodeReq, EnableNodeRsp> {
  @Override
  public EnableNodeRsp run(PrimaryContext primary, EnableNodeReq request) {
    return EnableNodeRsp.newBuilder()
        .setRoutingVersion(NodeDisabling.set(primary, request.getNodeId(), false))
        .build();
  }
}
