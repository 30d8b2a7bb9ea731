package io.j3fs.mgmtd.ops;

import io.j3fs.common.cluster.NodeType;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.mgmtd.store.MgmtdStore;
import io.j3fs.proto.mgmtd.GetConfigReq;
import io.j3fs.proto.mgmtd.GetConfigRsp;

/** The latest config of a service type; a caller that has it gets an answer without content. */
public final class GetConfigOp implements MgmtdOp<GetConfigReq, GetConfigRsp> {
  @Override
  public GetConfigRsp run(PrimaryContext primary, GetConfigReq request) {
    NodeType type = WireEnums.nodeType(request.getNodeType());
    MgmtdStore.StoredConfig latest = primary.kv().read(tx -> MgmtdStore.latestConfig(tx, type));
    if (latest == null) {
      throw new StatusException(StatusCode.NOT_FOUND, "no config stored for " + type);
    }
    GetConfigRsp.Builder out = GetConfigRsp.newBuilder().setVersion(latest.version());
    if (request.getKnownVersion() == latest.version()) {
      return out.setUnchanged(true).build();
    }
    return out.setContent(latest.content()).build();
  }
}
