package io.j3fs.mgmtd.ops;

import io.j3fs.common.cluster.PublicState;
import io.j3fs.common.id.ChainId;
import io.j3fs.common.id.NodeId;
import io.j3fs.common.id.TargetId;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.mgmtd.cluster.ClusterView;
import io.j3fs.mgmtd.state.Chain;
import io.j3fs.mgmtd.state.ChainTarget;
import io.j3fs.mgmtd.store.MgmtdStore;
import io.j3fs.proto.mgmtd.ChainSpec;
import io.j3fs.proto.mgmtd.SetChainsReq;
import io.j3fs.proto.mgmtd.SetChainsRsp;
import io.j3fs.proto.mgmtd.TargetSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Creates chains (all targets serving, version 1). A target is either new (created with the chain)
 * or an orphan made by CreateTargets on the same node. Refused whole, naming the first problem, if
 * a chain exists, a target belongs to another chain or is named twice, a node is not registered, or
 * a chain has two targets on one node.
 */
public final class SetChainsOp implements MgmtdOp<SetChainsReq, SetChainsRsp> {
  /** Chains created per request, at most (one request is one KV transaction). */
  static final int MAX_CHAINS_PER_REQUEST = 4_096;

  @Override
  public SetChainsRsp run(PrimaryContext primary, SetChainsReq request) {
    if (request.getChainsCount() == 0 || request.getChainsCount() > MAX_CHAINS_PER_REQUEST) {
      throw new StatusException(
          StatusCode.INVALID_ARGUMENT,
          "a request creates 1 to " + MAX_CHAINS_PER_REQUEST + " chains");
    }
    ClusterView view = primary.view();
    List<Chain> created = new ArrayList<>();
    Map<TargetId, ClusterView.Placement> placement = new HashMap<>();
    Set<ChainId> chainIds = new HashSet<>();
    for (ChainSpec spec : request.getChainsList()) {
      ChainId id = ChainId.of(spec.getChainId());
      if (id.value() == 0) {
        throw new StatusException(StatusCode.INVALID_ARGUMENT, "chain id 0 is reserved");
      }
      if (view.chain(id) != null || !chainIds.add(id)) {
        throw new StatusException(StatusCode.EXISTS, "chain " + id + " already exists");
      }
      if (spec.getTargetsCount() == 0) {
        throw new StatusException(StatusCode.INVALID_ARGUMENT, "chain " + id + " has no targets");
      }
      Set<NodeId> nodes = new HashSet<>();
      List<ChainTarget> members = new ArrayList<>();
      for (TargetSpec target : spec.getTargetsList()) {
        TargetId targetId = TargetId.of(target.getTargetId());
        NodeId node = NodeId.of(target.getNodeId());
        checkTarget(view, targetId, node, placement);
        if (!nodes.add(node)) {
          throw new StatusException(
              StatusCode.INVALID_ARGUMENT, "chain " + id + " has two targets on node " + node);
        }
        placement.put(targetId, new ClusterView.Placement(node, target.getDiskIndex()));
        members.add(new ChainTarget(targetId, PublicState.SERVING));
      }
      created.add(new Chain(id, 1, members));
    }
    long version = view.routingVersion() + created.size(); // each addChain below bumps it once
    primary.write(
        tx -> {
          for (Chain chain : created) {
            for (ChainTarget member : chain.targets()) {
              ClusterView.Placement where = placement.get(member.target());
              MgmtdStore.putTarget(
                  tx,
                  new MgmtdStore.StoredTarget(
                      member.target(), where.node(), chain.id(), where.diskIndex()));
            }
            MgmtdStore.putChain(tx, chain);
          }
          PrimaryContext.storeRoutingVersion(tx, version);
          return null;
        });
    for (Chain chain : created) {
      view.addChain(chain, placement);
    }
    return SetChainsRsp.newBuilder().setRoutingVersion(view.routingVersion()).build();
  }

  private static void checkTarget(
      ClusterView view,
      TargetId target,
      NodeId node,
      Map<TargetId, ClusterView.Placement> placedSoFar) {
    if (target.value() == 0) {
      throw new StatusException(StatusCode.INVALID_ARGUMENT, "target id 0 is reserved");
    }
    if (!view.hasNode(node)) {
      throw new StatusException(StatusCode.INVALID_ARGUMENT, "node " + node + " is not registered");
    }
    if (placedSoFar.containsKey(target)) {
      throw new StatusException(StatusCode.EXISTS, "target " + target + " is named twice");
    }
    ClusterView.Target existing = view.target(target);
    if (existing == null) {
      return;
    }
    if (!existing.chain().equals(ClusterView.Target.NO_CHAIN)) {
      throw new StatusException(
          StatusCode.EXISTS, "target " + target + " already belongs to chain " + existing.chain());
    }
    if (!existing.node().equals(node)) {
      throw new StatusException(
          StatusCode.INVALID_ARGUMENT,
          "target " + target + " was created on node " + existing.node() + ", not " + node);
    }
    // An orphan on the same node, joining its first chain: accepted.
  }
}
