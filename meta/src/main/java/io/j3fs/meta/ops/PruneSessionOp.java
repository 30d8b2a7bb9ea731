package io.j3fs.meta.ops;

import io.j3fs.common.bytes.ByteKeys;
import io.j3fs.kv.RangeIterator;
import io.j3fs.meta.MetaContext;
import io.j3fs.meta.store.MetaKeys;
import io.j3fs.meta.store.MetaStore;
import io.j3fs.proto.meta.LengthHint;
import io.j3fs.proto.meta.PruneSessionReq;
import io.j3fs.proto.meta.PruneSessionRsp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
      List<byte[]> keys =
          ctx.kv()
              .read(
                  tx -> {
                    List<byte[]> out = new ArrayList<>();
                    RangeIterator it =
                        tx.getRange(prefix, ByteKeys.prefixEnd(prefix), BATCH, false);
                    while (it.hasNext()) {
                      out.add(it.next().key());
                    }
                    return out;
                  });
      // What the client wrote but never reported is in storage: the length storage holds is
      // recorded with the session's end (asked outside the transaction, as storage calls are).
      Map<Long, Long> stored = new HashMap<>();
      for (byte[] key : keys) {
        long inode = MetaKeys.clientSessionInode(client, key);
        if (!stored.containsKey(inode)) {
          stored.put(inode, storedLength(inode));
        }
      }
      int n =
          ctx.kv()
              .run(
                  tx -> {
                    int ended = 0;
                    for (byte[] key : keys) {
                      if (tx.get(key) == null) {
                        continue; // ended meanwhile (the client was not gone after all)
                      }
                      long inode = MetaKeys.clientSessionInode(client, key);
                      MetaStore.clearSession(tx, inode, MetaKeys.clientSessionId(client, key));
                      tx.clear(key);
                      long length = stored.get(inode);
                      if (length > 0 && MetaStore.inode(tx, inode) != null) {
                        Lengths.record(ctx, tx, inode, null, length, false);
                      }
                      ended++;
                    }
                    return ended;
                  });
      pruned += n;
      if (keys.size() < BATCH) {
        return PruneSessionRsp.newBuilder().setPruned(pruned).build();
      }
    }
  }

  /** The file's length in storage; -1 for an inode that is not a file or no longer exists. */
  private long storedLength(long inode) {
    try {
      return Lengths.queryIfNeeded(
          ctx, inode, LengthHint.newBuilder().setLength(0).setExact(false).build(), true);
    } catch (io.j3fs.common.status.StatusException e) {
      if (e.code() == io.j3fs.common.status.StatusCode.NOT_FOUND) {
        return -1;
      }
      throw e;
    }
  }
}
