package io.j3fs.meta.ops;

import io.j3fs.common.bytes.ByteKeys;
import io.j3fs.kv.KeyValue;
import io.j3fs.kv.RangeIterator;
import io.j3fs.meta.MetaContext;
import io.j3fs.meta.store.MetaKeys;
import io.j3fs.meta.store.MetaStore;
import io.j3fs.proto.meta.PruneSessionReq;
import io.j3fs.proto.meta.PruneSessionRsp;
import java.util.ArrayList;
import java.util.List;

/**
 * Ends every write session of a client that is gone, through the per-client session index, {@link
 * #BATCH} sessions per transaction. A removed file those sessions held becomes collectable.
 */
public final class PruneSessionOp implements MetaOp<PruneSessionReq, PruneSessionRsp> {
  static final int BATCH = 500;

  private final MetaContext ctx;

  public PruneSessionOp(MetaContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public PruneSessionRsp run(PruneSessionReq request) {
    String client = request.getClientId();
    if (client.isEmpty()) {
      throw io.j3fs.common.status.StatusException.invalidArgument("client_id is required");
    }
    byte[] prefix = MetaKeys.sessionsOfClient(client);
    int pruned = 0;
    while (true) {
      int n =
          ctx.kv()
              .run(
                  tx -> {
                    List<byte[]> keys = new ArrayList<>();
                    RangeIterator it =
                        tx.getRange(prefix, ByteKeys.prefixEnd(prefix), BATCH, false);
                    while (it.hasNext()) {
                      KeyValue kv = it.next();
                      keys.add(kv.key());
                    }
                    for (byte[] key : keys) {
                      MetaStore.clearSession(
                          tx,
                          MetaKeys.clientSessionInode(client, key),
                          MetaKeys.clientSessionId(client, key));
                      tx.clear(key);
                    }
                    return keys.size();
                  });
      pruned += n;
      if (n < BATCH) {
        return PruneSessionRsp.newBuilder().setPruned(pruned).build();
      }
    }
  }
}
