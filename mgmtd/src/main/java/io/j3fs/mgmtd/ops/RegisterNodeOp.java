package io.j3fs.mgmtd.ops;

import io.j3fs.common.cluster.NodeType;
import io.j3fs.common.id.NodeId;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.mgmtd.cluster.ClusterView;
import io.j3fs.mgmtd.store.MgmtdStore;
import io.j3fs.proto.mgmtd.RegisterNodeReq;
import io.j3fs.proto.mgmtd.RegisterNodeRsp;
import java.util.List;

/** A node joins (or rejoins, possibly at a new address): stored, then in the view. */
public final class RegisterNodeOp implements MgmtdOp<RegisterNodeReq, RegisterNodeRsp> {
  @Override
  public RegisterNodeRsp run(PrimaryContext primary, RegisterNodeReq request) {
    NodeType type = WireEnums.nodeType(request.getType());
    if (request.getNodeId() <= 0) {
      throw new StatusException(StatusCode.INVALID_ARGUMENT, "node_id must be positive");
    }
    ClusterView view = primary.view();
    NodeId id = NodeId.of(request.getNodeId());
    MgmtdStore.StoredNode stored = primary.kv().read(tx -> MgmtdStore.node(tx, id));
    if (stored != null && stored.type() != type) {
      throw new StatusException(
          StatusCode.INVALID_ARGUMENT,
          "node " + id + " is registered as " + stored.type() + ", not " + type);
    }
    boolean disabled = stored != null && stored.disabled();
    long version = view.routingVersion() + 1; // what registerNode below publishes
    primary.write(
        tx -> {
          PrimaryContext.storeRoutingVersion(tx, version);
          MgmtdStore.putNode(
              tx,
              new MgmtdStore.StoredNode(
                  id, type, request.getAddress(), List.copyOf(request.getTagsList()), disabled));
          return null;
        });
    view.registerNode(id, type, request.getAddress());
    return RegisterNodeRsp.newBuilder().setRoutingVersion(view.routingVersion()).build();
  }
}
