package io.j3fs.mgmtd.ops;

import io.j3fs.common.id.NodeId;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.mgmtd.store.MgmtdStore;

/**
 * Shared by EnableNodeOp and DisableNodeOp: stores a node's disabled flag, then sets it in the
 * view. A disabled node's targets count as offline, so its chains move on without it at the next
 * chain update; re-enabled, its targets wait, resync and serve again.
 */
final class NodeDisabling {
  private NodeDisabling() {}

  static long set(PrimaryContext primary, long nodeId, boolean disable) {
    NodeId id = NodeId.of(nodeId);
    MgmtdStore.StoredNode stored = primary.kv().read(tx -> MgmtdStore.node(tx, id));
    if (stored == null) {
      throw new StatusException(StatusCode.NOT_FOUND, "node " + id + " is not registered");
    }
    long version = primary.view().routingVersion() + 1;
    primary.write(
        tx -> {
          MgmtdStore.putNode(
              tx,
              new MgmtdStore.StoredNode(
                  id, stored.type(), stored.address(), stored.tags(), disable));
          PrimaryContext.storeRoutingVersion(tx, version);
          return null;
        });
    primary.view().setDisabled(id, disable);
    return primary.view().routingVersion();
  }
}
