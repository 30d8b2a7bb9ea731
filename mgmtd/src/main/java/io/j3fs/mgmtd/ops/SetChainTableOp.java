package io.j3fs.mgmtd.ops;

import io.j3fs.common.id.ChainId;
import io.j3fs.common.status.StatusCode;
import io.j3fs.common.status.StatusException;
import io.j3fs.mgmtd.cluster.ClusterView;
import io.j3fs.mgmtd.store.MgmtdStore;
import io.j3fs.proto.mgmtd.SetChainTableReq;
import io.j3fs.proto.mgmtd.SetChainTableRsp;
import java.util.HashSet;
import java.util.List;

/**
 * Stores the next version of a chain table; its chains must exist and appear once each. Earlier
 * versions stay stored: files keep the table version they were created with.
 */
public final class SetChainTableOp implements MgmtdOp<SetChainTableReq, SetChainTableRsp> {
  /** Chains in one table, at most. */
  static final int MAX_CHAINS_PER_TABLE = 16_384;

  @Override
  public SetChainTableRsp run(PrimaryContext primary, SetChainTableReq request) {
    if (request.getTableId() == 0
        || request.getChainIdsCount() == 0
        || request.getChainIdsCount() > MAX_CHAINS_PER_TABLE) {
      throw new StatusException(
          StatusCode.INVALID_ARGUMENT,
          "a chain table needs a non-zero id and 1 to " + MAX_CHAINS_PER_TABLE + " chains");
    }
    ClusterView view = primary.view();
    List<ChainId> chains = request.getChainIdsList().stream().map(ChainId::of).toList();
    HashSet<ChainId> seen = new HashSet<>();
    for (ChainId chain : chains) {
      if (view.chain(chain) == null) {
        throw new StatusException(
            StatusCode.INVALID_ARGUMENT, "chain " + chain + " does not exist");
      }
      if (!seen.add(chain)) {
        throw new StatusException(
            StatusCode.INVALID_ARGUMENT, "chain " + chain + " appears twice in the table");
      }
    }
    MgmtdStore.StoredChainTable latest = view.chainTable(request.getTableId());
    MgmtdStore.StoredChainTable next =
        new MgmtdStore.StoredChainTable(
            request.getTableId(), latest == null ? 1 : latest.version() + 1, chains);
    long version = view.routingVersion() + 1;
    primary.write(
        tx -> {
          MgmtdStore.putChainTable(tx, next);
          PrimaryContext.storeRoutingVersion(tx, version);
          return null;
        });
    view.setChainTable(next);
    return SetChainTableRsp.newBuilder().setVersion(next.version()).build();
  }
}
