package io.j3fs.mgmtd.ops;

import io.j3fs.common.id.ChainId;
import io.j3fs.mgmtd.cluster.ClusterView;
import io.j3fs.mgmtd.state.Chain;
import io.j3fs.mgmtd.state.ChainTarget;
import io.j3fs.mgmtd.store.MgmtdStore;
import io.j3fs.proto.mgmtd.GetRoutingInfoReq;
import io.j3fs.proto.mgmtd.GetRoutingInfoRsp;
import io.j3fs.proto.mgmtd.RoutingChain;
import io.j3fs.proto.mgmtd.RoutingChainTable;
import io.j3fs.proto.mgmtd.RoutingNode;
import io.j3fs.proto.mgmtd.RoutingTarget;

/**
 * The versioned snapshot of nodes, targets, chains and chain tables, from the primary's memory. A
 * caller that already has the current version gets an answer without tables.
 */
public final class GetRoutingInfoOp implements MgmtdOp<GetRoutingInfoReq, GetRoutingInfoRsp> {
  @Override
  public GetRoutingInfoRsp run(PrimaryContext primary, GetRoutingInfoReq request) {
    ClusterView view = primary.view();
    ClusterView.RoutingInfo info = view.routingInfo();
    GetRoutingInfoRsp.Builder out = GetRoutingInfoRsp.newBuilder().setVersion(info.version());
    if (request.getKnownVersion() == info.version()) {
      return out.setUnchanged(true).build();
    }
    for (ClusterView.Node node : info.nodes()) {
      out.addNodes(
          RoutingNode.newBuilder()
              .setNodeId(node.id().value())
              .setType(node.type().name())
              .setAddress(node.address())
              .setFailed(node.failed())
              .setDisabled(view.isDisabled(node.id())));
    }
    for (ClusterView.Target target : info.targets()) {
      out.addTargets(
          RoutingTarget.newBuilder()
              .setTargetId(target.id().value())
              .setNodeId(target.node().value())
              .setChainId(target.chain().value())
              .setLocalState(target.localState().name())
              .setDiskIndex(target.diskIndex())
              .setUsedBytes(target.usedBytes())
              .setFreeBytes(target.freeBytes()));
    }
    for (Chain chain : info.chains()) {
      RoutingChain.Builder routing =
          RoutingChain.newBuilder().setChainId(chain.id().value()).setVersion(chain.version());
      for (ChainTarget member : chain.targets()) {
        routing.addMembers(
            RoutingChain.Member.newBuilder()
                .setTargetId(member.target().value())
                .setPublicState(member.state().name()));
      }
      out.addChains(routing);
    }
    for (MgmtdStore.StoredChainTable table : info.chainTables()) {
      out.addChainTables(
          RoutingChainTable.newBuilder()
              .setTableId(table.tableId())
              .setVersion(table.version())
              .addAllChainIds(table.chains().stream().map(ChainId::value).toList()));
    }
    return out.build();
  }
}
