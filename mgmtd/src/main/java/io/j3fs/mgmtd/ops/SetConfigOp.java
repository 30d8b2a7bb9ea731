package io.j3fs.mgmtd.ops;

import io.j3fs.common.cluster.NodeType;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.mgmtd.store.MgmtdStore;
import io.j3fs.proto.mgmtd.SetConfigReq;
import io.j3fs.proto.mgmtd.SetConfigRsp;

/**
 * Stores the next version of a service type's config file; services fetch it when they see a newer
 * version (client ConfigWatcher).
 */
public final class SetConfigOp implements MgmtdOp<SetConfigReq, SetConfigRsp> {
  @Override
  public SetConfigRsp run(PrimaryContext primary, SetConfigReq request) {
    NodeType type = WireEnums.nodeType(request.getNodeType());
    int max = primary.limits().maxConfigChars();
    if (request.getContent().length() > max) {
      throw new StatusException(
          StatusCode.INVALID_ARGUMENT,
          "config is " + request.getContent().length() + " characters, over " + max);
    }
    long version =
        primary.write(
            tx -> {
              MgmtdStore.StoredConfig latest = MgmtdStore.latestConfig(tx, type);
              long next = latest == null ? 1 : latest.version() + 1;
              MgmtdStore.putConfig(
                  tx, new MgmtdStore.StoredConfig(type, next, request.getContent()));
              return next;
            });
    return SetConfigRsp.newBuilder().setVersion(version).build();
  }
}
