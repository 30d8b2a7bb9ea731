package io.j3fs.mgmtd.ops;

import io.j3fs.common.id.NodeId;
import io.j3fs.common.id.TargetId;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.mgmtd.cluster.ClusterView;
import io.j3fs.mgmtd.store.MgmtdStore;
import io.j3fs.proto.mgmtd.CreateTargetsReq;
import io.j3fs.proto.mgmtd.CreateTargetsRsp;
import io.j3fs.proto.mgmtd.TargetSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Places targets on storage nodes before any chain names them (they show in routing info with chain
 * 0, so their storage services create them). Refused whole if a target exists or a node is not a
 * registered storage node.
 */
public final class CreateTargetsOp implements MgmtdOp<CreateTargetsReq, CreateTargetsRsp> {
  /** Targets created per request, at most (one request is one KV transaction). */
  static final int MAX_TARGETS_PER_REQUEST = 16_384;

  @Override
  public CreateTargetsRsp run(PrimaryContext primary, CreateTargetsReq request) {
    if (request.getTargetsCount() == 0 || request.getTargetsCount() > MAX_TARGETS_PER_REQUEST) {
      throw new StatusException(
          StatusCode.INVALID_ARGUMENT,
          "a request creates 1 to " + MAX_TARGETS_PER_REQUEST + " targets");
    }
    ClusterView view = primary.view();
    Map<TargetId, ClusterView.Placement> placement = new LinkedHashMap<>();
    for (TargetSpec spec : request.getTargetsList()) {
      TargetId id = TargetId.of(spec.getTargetId());
      NodeId node = NodeId.of(spec.getNodeId());
      if (id.value() == 0) {
        throw new StatusException(StatusCode.INVALID_ARGUMENT, "target id 0 is reserved");
      }
      if (view.hasTarget(id) || placement.containsKey(id)) {
        throw new StatusException(StatusCode.EXISTS, "target " + id + " already exists");
      }
      if (!view.hasNode(node)) {
        throw new StatusException(
            StatusCode.INVALID_ARGUMENT, "node " + node + " is not registered");
      }
      placement.put(id, new ClusterView.Placement(node, spec.getDiskIndex()));
    }
    long version = view.routingVersion() + 1;
    primary.write(
        tx -> {
          placement.forEach(
              (id, where) ->
                  MgmtdStore.putTarget(
                      tx,
                      new MgmtdStore.StoredTarget(
                          id, where.node(), ClusterView.Target.NO_CHAIN, where.diskIndex())));
          PrimaryContext.storeRoutingVersion(tx, version);
          return null;
        });
    view.addOrphanTargets(placement);
    return CreateTargetsRsp.newBuilder().setRoutingVersion(view.routingVersion()).build();
  }
}
